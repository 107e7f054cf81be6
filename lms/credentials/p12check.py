"""Child process: open an uploaded PKCS#12 (`python -m lms.credentials.p12check`, JSON on stdin).

Prints the signer's subject and validity as JSON, or exits 1 with the Indonesian refusal as its
last line. pyhanko is loaded here only, never in a web worker.
"""

from __future__ import annotations

import base64
import json
import sys


def main() -> int:
    from certificates.pades import SigningError, load_pkcs12

    payload = json.loads(sys.stdin.buffer.read())
    try:
        info = load_pkcs12(base64.b64decode(payload["p12"]), payload["password"])
    except SigningError as exc:
        print(str(exc))
        return 1
    print(
        json.dumps(
            {
                "subject": info.subject,
                "issuer": info.issuer,
                "not_after": info.not_after.isoformat(),
                "serial": info.serial,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

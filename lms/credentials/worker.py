"""Child process for certificate pages: `python -m lms.credentials.worker` with JSON on stdin.

Input: the template and event, then either `chars` (lay a new base out) or `base` (stamp on an
existing one), the `people` to stamp and an optional PKCS#12 `signer`; or `merge` (join PDFs).
Output on stdout: JSON with the new base (if any) and, per person id, the stamp and the
PAdES-signed file. A refusal (a template that cannot be used) exits 1 with its message as the
last line of stdout. It runs here, not in the web worker, because WeasyPrint, pypdf, segno and
pyhanko together would stay resident there for good.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from datetime import datetime
from typing import Any

from certificates import stamp
from certificates.render import make_base, render_single
from certificates.template import Event, Recipient, Template, TemplateError


def event_from(data: dict[str, Any]) -> Event:
    logo = data.get("logo")
    return Event(
        issuer=data["issuer"],
        government=data["government"],
        title=data["title"],
        courses=tuple(data["courses"]),
        hours=int(data["hours"]),
        dates=data["dates"],
        venue=data["venue"],
        place_date=data["place_date"],
        signatory_name=data["signatory_name"],
        signatory_title=data["signatory_title"],
        signatory_nip=data["signatory_nip"],
        logo=base64.b64decode(logo) if logo else None,
        logo_type=data.get("logo_type") or "image/png",
    )


def run(payload: dict[str, Any]) -> dict[str, Any]:
    if "merge" in payload:
        import pypdf

        writer = pypdf.PdfWriter()
        for item in payload["merge"]:
            writer.append(io.BytesIO(base64.b64decode(item)))
        merged = io.BytesIO()
        writer.write(merged)
        return {"pdf": base64.b64encode(merged.getvalue()).decode()}

    template = Template(**payload["template"])
    event = event_from(payload["event"])
    result: dict[str, Any] = {"people": {}}
    if payload.get("single"):
        # The one-document path (reference and preview of an unusual template).
        person = payload["single"]
        pdf = render_single(
            template,
            event,
            Recipient(**person["recipient"]),
            person["credential"],
            datetime.fromisoformat(person["issued_at"]),
        )
        return {"pdf": base64.b64encode(pdf).decode()}
    if "base" in payload:
        base = stamp.Base.load(base64.b64decode(payload["base"]["pdf"]), payload["base"]["layout"])
    else:
        base = make_base(template, event, payload.get("chars") or {})
        result["base"] = {"pdf": base64.b64encode(base.pdf).decode(), "layout": base.layout()}
    signer = None
    if payload.get("signer"):
        from certificates.pades import Signer

        info = payload["signer"]
        signer = Signer(
            base64.b64decode(info["p12"]),
            info["password"],
            location=info.get("location") or "",
        )
    for person in payload.get("people", []):
        recipient = Recipient(**person["recipient"])
        content, pdf = stamp.certificate(
            base,
            recipient,
            person["credential"],
            datetime.fromisoformat(person["issued_at"]),
        )
        out = {"stamp": base64.b64encode(content).decode()}
        if signer is not None:
            out["signed"] = base64.b64encode(signer.sign(pdf, name=recipient.nama)).decode()
        elif payload.get("whole"):
            out["pdf"] = base64.b64encode(pdf).decode()
        result["people"][str(person["id"])] = out
    return result


def _limit() -> None:
    """A template is written by a dinas operator and Jinja's sandbox does not bound work: cap
    this child's memory and CPU so a runaway template fails here, not on the server."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
        resource.setrlimit(resource.RLIMIT_CPU, (240, 240))
    except (ImportError, ValueError, OSError):  # not on this platform: the parent's timeout holds
        pass


def main() -> int:
    _limit()
    payload = json.loads(sys.stdin.buffer.read())
    try:
        result = run(payload)
    except TemplateError as exc:
        print(str(exc))
        return 1
    except MemoryError:
        print(
            "Templat memakai memori terlalu banyak: periksa perulangan atau teks yang sangat "
            "panjang."
        )
        return 1
    except Exception as exc:
        from certificates.pades import SigningError

        if isinstance(exc, SigningError):
            print(str(exc))
            return 1
        raise
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

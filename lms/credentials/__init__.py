"""Issued certificates: eligibility, issue, verification and revocation (through certificates/)."""

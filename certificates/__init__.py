"""Certificate library: numbering, HTML-to-PDF rendering, QR codes, signing and verifying.

Pure Python: it never imports FastAPI, SQLAlchemy or lms; the web layer (lms/credentials) decides
who is eligible and stores what was issued.
"""

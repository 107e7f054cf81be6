"""Quiz library: question types, grading, and the sandbox ledger engine (quizzes/ledger).

Pure Python: it never imports FastAPI, SQLAlchemy or lms, so a narasumber can grade a quiz file on
a laptop and a ledger test needs no server.
"""

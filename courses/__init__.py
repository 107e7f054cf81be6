"""Course library: loading, validating and rendering Markdown course folders.

Pure Python: plain data in, plain data out. It never imports FastAPI, SQLAlchemy or lms; the web
layer (lms/learning) composes it. The course folders themselves live beside this package.
"""

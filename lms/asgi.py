"""ASGI entry point for uvicorn and other servers: `lms.asgi:app`."""

from lms.app import create_app
from lms.runtime import tune_process

tune_process()
app = create_app()

"""ASGI entry point for uvicorn and other servers: `lms.asgi:app`."""

from lms.app import create_app

app = create_app()

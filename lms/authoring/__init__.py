"""Narasumber authoring: drafts edited in the browser, publishing, versions, zip import/export."""

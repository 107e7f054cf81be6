"""Courses in the database: published versions, enrolment, module progress, the reader."""

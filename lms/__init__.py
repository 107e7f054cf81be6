"""Web application and persistence of the KDKMP training platform.

lms/ is the only package that knows HTTP, sessions and SQL; it composes the pure libraries
courses/, quizzes/ and certificates/.
"""

__version__ = "0.1.0"

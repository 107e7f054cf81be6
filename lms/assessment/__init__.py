"""Quizzes in the platform: schedules and settings, attempts that never lose an answer, grading
with the quiz library, review, regrading and item analysis."""

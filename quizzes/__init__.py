"""Quizzes: question bank, question types, quizzes, attempts, grading, GIFT, item analysis."""

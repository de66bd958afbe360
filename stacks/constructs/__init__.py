"""The stack's building blocks, one construct per module."""

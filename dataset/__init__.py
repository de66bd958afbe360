"""The bundled sample dataset, installed as package data (`bedrock_finetuning.dataset`) so that the
installed demo (`python -m bedrock_finetuning.localrun`) finds it as the checkout's does."""

"""Code shared by every Lambda step: typed models, the model-family registry, AWS helpers."""

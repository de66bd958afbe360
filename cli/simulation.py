"""The local simulation (the repository's localrun/) as `bft --local` uses it, imported under
the name this package has: installed, `bedrock_finetuning.cli` uses `bedrock_finetuning.localrun`
(pyproject.toml maps both into the distribution); in a checkout, `cli` uses the top-level
`localrun`, the very modules `make demo` and the tests import, so one process never holds two
copies of the simulator."""

from __future__ import annotations

if __package__ == "bedrock_finetuning.cli":
    from bedrock_finetuning.localrun.pipeline import BUCKET, REGION, LocalPipeline
    from bedrock_finetuning.localrun.quote_table import quote_lines
else:
    from localrun.pipeline import BUCKET, REGION, LocalPipeline
    from localrun.quote_table import quote_lines

__all__ = ["BUCKET", "REGION", "LocalPipeline", "quote_lines"]

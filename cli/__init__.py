"""`bft`: drive, watch and compare pipeline runs from a terminal, against the deployed stack or
(`--local`) the local simulation. Every simulated result is labelled SIMULATED."""

import sys
from pathlib import Path

# The Lambda code asset's root (`lambdas/`) is importable as the runtime puts it on the path:
# `bft quote` and the local simulation run the pipeline's own code.
LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"
if str(LAMBDAS_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDAS_DIR))

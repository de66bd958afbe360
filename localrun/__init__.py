"""Runs the real pipeline offline: moto for AWS, moto's Step Functions engine for the real
state machine definition, the real Lambda handlers in-process, and a simulated Bedrock.

Everything this package produces is labelled SIMULATED.
"""

import sys
from pathlib import Path

# The Lambda code asset's root is `lambdas/` (handlers import `shared`, `preprocess`, ...),
# exactly as the Lambda runtime puts the asset root on the path.
LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"
if str(LAMBDAS_DIR) not in sys.path:
    sys.path.insert(0, str(LAMBDAS_DIR))

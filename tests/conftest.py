import sys
from pathlib import Path

# The fixture loader lives beside the tests; make it importable as `cases`.
sys.path.insert(0, str(Path(__file__).resolve().parent))

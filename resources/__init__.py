"""Files the program reads at run time, installed as ``harmonize_evidence.resources``."""

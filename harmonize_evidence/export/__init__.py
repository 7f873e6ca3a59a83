"""Export: the signing identity, the PDF report, its PAdES signature, and the bundle."""

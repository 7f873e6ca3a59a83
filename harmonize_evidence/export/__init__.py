"""Export: the PDF report, its PAdES signature, and the bundle (and checking a bundle)."""

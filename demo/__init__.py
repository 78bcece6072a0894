"""``attrib demo``: TracIn on scikit-learn's digits, registered, proved, verified and paid out."""

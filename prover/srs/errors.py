"""The one error the SRS code raises."""


class SRSError(ValueError):
    """A powers-of-tau file or cache that cannot be used, or a request the SRS cannot serve."""

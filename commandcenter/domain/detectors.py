def score_series(values, timestamps=None):
    raise NotImplementedError

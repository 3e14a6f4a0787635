"""bridge detectors and the helpers only they use."""

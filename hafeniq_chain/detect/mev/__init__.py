"""mev detectors and the helpers only they use."""

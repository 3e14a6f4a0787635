"""The Anvil world: real protocol contracts, a deployment manifest, benign traffic and
labelled attack scenarios. Lives in the package (not only in anvil-scripts/) so that
``scenario run``, the demo and the evaluation can import it."""

"""The project's own model: training, predictions and likely label errors (docs/model.md)."""

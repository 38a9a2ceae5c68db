"""Operations: JSON logs, Prometheus metrics, process start-up and graceful shutdown, the local model."""

# Multi-stage: build wheels into a venv, then copy it into a slim runtime image as a non-root user.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=playground.settings \
    PLAYGROUND_DATA_DIR=/data
RUN groupadd --system app && useradd --system --gid app --home /app app \
    && mkdir -p /data && chown app:app /data
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=app:app . /app
# collectstatic needs settings but no database or real secrets: give it throwaway values.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-real-secret-key-000000 \
    ENCRYPTION_KEYS=aGVsbG8taGVsbG8taGVsbG8taGVsbG8taGVsbG8tMDA= \
    DATABASE_URL=postgresql://build@127.0.0.1/build \
    python manage.py collectstatic --noinput
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "manage.py", "healthcheck"]
# No --proxy-headers: Daphne would believe the first X-Forwarded-For entry, which the client
# writes. The app reads the proxies' headers itself, as far as TRUSTED_PROXY_COUNT allows.
CMD ["python", "-m", "playground.server", "-b", "0.0.0.0", "-p", "8000", "playground.asgi:application"]

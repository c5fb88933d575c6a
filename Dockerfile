# The orderflow image: the API, the worker, the CLI, migrations and Temporal init, from one build.
FROM python:3.11.7-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain domain
COPY db db
COPY activities activities
COPY workflows workflows
COPY orderflow orderflow
COPY services services
COPY api api
COPY web web
COPY cli cli
COPY server server
COPY bench bench
COPY worker.py starter.py ./
RUN pip install --no-cache-dir . && useradd --system --uid 10001 orderflow
USER orderflow
CMD ["orderflow-worker"]

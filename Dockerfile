FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gateway gateway
COPY declarations declarations
COPY customs_adapter customs_adapter
COPY inspection inspection
COPY schemas schemas
COPY benchmarks benchmarks
RUN pip install --no-cache-dir .
EXPOSE 8000
CMD ["cebsim", "serve", "--host", "0.0.0.0"]

# The two commands of the README. Everything else lives in scripts/.
.PHONY: run test bench lock

run:   ## set up and start the service on http://127.0.0.1:8000
	scripts/run

test:  ## set up and run lint, type check, import contracts and every test
	scripts/test

bench: ## print the benchmark figures (ratios against baselines measured in the same run)
	scripts/bootstrap && .venv/bin/python -m bench

lock:  ## re-pin requirements.lock from the current virtualenv
	.venv/bin/pip freeze --exclude-editable --exclude centricity > requirements.lock

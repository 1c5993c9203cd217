"""The deployment files agree with deploy/services.toml, the one table of OneWindow's processes.

There is no container engine on the development machines, so deploy/compose.yml, deploy/k8s/,
deploy/postgres-init/ and deploy/Dockerfile are checked here, statically, against the table (and the
env vars its header comment promises each kind of process). Every check is a function from parsed
documents to a list of problems; the tests at the bottom feed mutated copies to prove drift is caught.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
TABLE_PATH = DEPLOY / "services.toml"
COMPOSE_PATH = DEPLOY / "compose.yml"
K8S_DIR = DEPLOY / "k8s"
PG_INIT_DIR = DEPLOY / "postgres-init"
DOCKERFILE = DEPLOY / "Dockerfile"

GATEWAY = "gateway"  # the table entry that is the gateway; every other entry is a domain service
IMAGE_REPO = "onewindow/{name}"

Table = dict[str, dict[str, Any]]
Contract = dict[str, tuple[str, ...]]  # "all" | "domain" | "gateway" -> env var names without prefix


# ---------------------------------------------------------------------------------------------------
# loading
# ---------------------------------------------------------------------------------------------------
def load_table(path: Path = TABLE_PATH) -> Table:
    return tomllib.loads(path.read_text(encoding="utf-8"))["services"]


_CONTRACT_LINES = {
    "all": re.compile(r"every process gets", re.I),
    "domain": re.compile(r"domain services also get", re.I),
    "gateway": re.compile(r"the gateway also gets", re.I),
}


def load_env_contract(path: Path = TABLE_PATH) -> Contract:
    """The env vars the header comment of services.toml lists for each kind of process."""
    header: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        header.append(line.lstrip("#").strip())
    contract: dict[str, list[str]] = {kind: [] for kind in _CONTRACT_LINES}
    current: str | None = None
    for line in header:
        for kind, pattern in _CONTRACT_LINES.items():
            if pattern.search(line):
                current, line = kind, line.split(":", 1)[1] if ":" in line else ""
        if current is None:
            continue
        line = re.sub(r"\([^)]*\)?", "", line)  # drop "(JSON {name: base URL} ...)" explanations
        contract[current] += [v for v in re.findall(r"\b[A-Z][A-Z0-9_]{2,}\b", line) if v not in contract[current]]
    return {kind: tuple(names) for kind, names in contract.items()}


def load_compose(path: Path = COMPOSE_PATH) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_k8s(directory: Path = K8S_DIR) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        docs += [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return docs


def load_pg_init(directory: Path = PG_INIT_DIR) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(directory.iterdir()) if p.suffix in {".sql", ".sh"}]


def load_workspace_members(root: Path = ROOT) -> dict[str, str]:
    """Workspace member directory (relative, posix) -> its package name."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    members: dict[str, str] = {}
    for pattern in pyproject["tool"]["uv"]["workspace"]["members"]:
        for directory in sorted(root.glob(pattern)):
            if (directory / "pyproject.toml").is_file():
                project = tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))
                members[directory.relative_to(root).as_posix()] = project["project"]["name"]
    return members


# ---------------------------------------------------------------------------------------------------
# what the table implies
# ---------------------------------------------------------------------------------------------------
def domain_services(table: Table) -> list[str]:
    return [name for name in table if name != GATEWAY]


def required_env(table: Table, contract: Contract, name: str) -> list[str]:
    """Full (prefixed) names of the env vars process ``name`` must be given."""
    kind = "gateway" if name == GATEWAY else "domain"
    prefix = table[name]["env_prefix"]
    return [prefix + var for var in (*contract["all"], *contract[kind])]


def expected_urls(table: Table, names: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Service name -> (DNS host, port): the same in compose (service names) and k8s (Service names)."""
    return {n: (n, table[n]["port"]) for n in names}


# ---------------------------------------------------------------------------------------------------
# small parsers
# ---------------------------------------------------------------------------------------------------
_COMPOSE_VAR = re.compile(r"^\$\{\w+(?::?[-?+][^}]*)?\}$")
_COMPOSE_REQUIRED_VAR = re.compile(r"^\$\{\w+:?\?[^}]*\}$")
_K8S_REF = re.compile(r"\$\((\w+)\)")
_DB_URL = re.compile(
    r"^(?P<scheme>[\w+.-]+)://(?:(?P<userinfo>.*)@)?(?P<host>[^@/:]+)(?::(?P<port>[^/@]+))?/(?P<db>[^/?#]+)$"
)


def parse_db_url(url: str) -> dict[str, str] | None:
    m = _DB_URL.match(url.strip())
    return m.groupdict() if m else None


def db_url_password(userinfo: str | None) -> str | None:
    """The password part of ``user:password``, where either part may be a ${...} or $(...) reference."""
    if not userinfo:
        return None
    m = re.match(r"^(\$\{[^}]*\}|\$\([^)]*\)|[^:]*):(?P<pw>.*)$", userinfo)
    return m.group("pw") if m else None


def check_json_urls(label: str, raw: Any, expected: Mapping[str, tuple[str, int]]) -> list[str]:
    """``raw`` is a JSON {name: base URL}; it must name exactly ``expected`` with the right host:port."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError as exc:
        return [f"{label} is not valid JSON: {exc}"]
    if not isinstance(value, dict):
        return [f"{label} must be a JSON object {{name: base URL}}, got {raw!r}"]
    problems = [f"{label} lacks {n!r}" for n in expected if n not in value]
    problems += [f"{label} names {n!r}, which is not expected there" for n in value if n not in expected]
    for n, (host, port) in expected.items():
        if n in value:
            url = urlsplit(str(value[n]))
            if (url.scheme, url.hostname, url.port) != ("http", host, port):
                problems.append(f"{label}[{n!r}] is {value[n]!r}, expected http://{host}:{port}")
    return problems


def check_gateway_url(label: str, value: Any, table: Table) -> list[str]:
    url = urlsplit(str(value or ""))
    if (url.scheme, url.hostname, url.port) != ("http", GATEWAY, table[GATEWAY]["port"]):
        return [f"{label} is {value!r}, expected http://{GATEWAY}:{table[GATEWAY]['port']}"]
    return []


def compose_env(service: Mapping[str, Any]) -> dict[str, Any]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return dict(env)


def compose_ports(service: Mapping[str, Any]) -> list[tuple[str | None, str]]:
    """(published, target) for each entry of ``ports``, short or long syntax."""
    out: list[tuple[str | None, str]] = []
    for entry in service.get("ports") or []:
        if isinstance(entry, Mapping):
            published = entry.get("published")
            out.append((None if published is None else str(published), str(entry.get("target"))))
            continue
        parts = str(entry).split("/", 1)[0].rsplit(":", 2)
        if len(parts) == 1:
            out.append((None, parts[0]))
        else:
            out.append((parts[-2], parts[-1]))
    return out


def compose_depends(service: Mapping[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {d: (spec or {}).get("condition", "service_started") for d, spec in deps.items()}


def as_text(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value or "")


_HEALTH_URL = re.compile(r"(?:127\.0\.0\.1|localhost|0\.0\.0\.0):(\d+)(/[^'\"\s)]*)")


# ---------------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------------
def check_compose(table: Table, contract: Contract, compose: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    services = compose.get("services") or {}
    named_volumes = set((compose.get("volumes") or {}).keys())

    pg = services.get("postgres")
    if pg is None:
        problems.append("compose: no 'postgres' service")
    else:
        if not str(pg.get("image", "")).startswith("postgres:15"):
            problems.append(f"compose postgres: image is {pg.get('image')!r}, expected postgres:15")
        if "pg_isready" not in as_text((pg.get("healthcheck") or {}).get("test")):
            problems.append("compose postgres: healthcheck does not use pg_isready")
        mounts = [str(v) for v in pg.get("volumes") or []]
        if not any(m.split(":")[:2] == ["./postgres-init", "/docker-entrypoint-initdb.d"] for m in mounts):
            problems.append("compose postgres: ./postgres-init is not mounted at /docker-entrypoint-initdb.d")
        for var in ("POSTGRES_PASSWORD",):
            value = compose_env(pg).get(var)
            if not _COMPOSE_REQUIRED_VAR.match(str(value or "")):
                problems.append(f"compose postgres: {var} must be a required ${{VAR:?...}}, got {value!r}")

    for name in table:
        if name not in services:
            problems.append(f"compose: service {name!r} of services.toml is missing")
    for name in services:
        if name != "postgres" and name not in table:
            problems.append(f"compose: service {name!r} is not in services.toml")

    for name, row in table.items():
        svc = services.get(name)
        if svc is None:
            continue
        where = f"compose {name}"
        port, prefix = row["port"], row["env_prefix"]

        # image and build
        if not str(svc.get("image", "")).startswith(IMAGE_REPO.format(name=name) + ":"):
            problems.append(f"{where}: image {svc.get('image')!r} is not {IMAGE_REPO.format(name=name)}:<tag>")
        build = svc.get("build") or {}
        if (
            not isinstance(build, Mapping)
            or ((DEPLOY / str(build.get("context", "."))) / str(build.get("dockerfile", "Dockerfile"))).resolve()
            != DOCKERFILE.resolve()
        ):
            problems.append(f"{where}: not built from deploy/Dockerfile with the repository root as context")
        else:
            args = build.get("args") or {}
            if isinstance(args, list):
                args = dict(a.split("=", 1) for a in args)
            for arg, want in (
                ("SERVICE", row["package"]),
                ("MODULE", row["module"]),
                ("PORT", str(port)),
                ("HEALTH_PATH", row["health"]),
            ):
                if str(args.get(arg)) != want:
                    problems.append(f"{where}: build arg {arg} is {args.get(arg)!r}, expected {want!r}")

        # ports
        ports = compose_ports(svc)
        if not any(target == str(port) for _, target in ports):
            problems.append(f"{where}: does not publish container port {port} (ports: {svc.get('ports')!r})")
        for published, target in ports:
            if target == str(port) and published is not None and published != str(port):
                problems.append(f"{where}: container port {port} published on {published}, expected {port}")

        # healthcheck
        test = as_text((svc.get("healthcheck") or {}).get("test"))
        found = _HEALTH_URL.findall(test)
        if (str(port), row["health"]) not in found:
            problems.append(f"{where}: healthcheck {test!r} does not hit :{port}{row['health']}")

        # depends_on
        deps = compose_depends(svc)
        if deps.get("postgres") != "service_healthy":
            problems.append(f"{where}: must depend on postgres with condition service_healthy")
        if name != GATEWAY and GATEWAY not in deps:
            problems.append(f"{where}: must depend on {GATEWAY}")

        # environment
        env = compose_env(svc)
        for var in required_env(table, contract, name):
            if env.get(var) in (None, ""):
                problems.append(f"{where}: environment lacks {var}")
        for var, value in env.items():
            if re.search(r"SECRET|PASSWORD", var) and not _COMPOSE_REQUIRED_VAR.match(str(value or "")):
                problems.append(f"{where}: {var} must be a required ${{VAR:?...}}, not a literal")
        problems += _check_common_env(where, table, name, env)
        db = parse_db_url(str(env.get(prefix + "DATABASE_URL") or ""))
        if db is not None:
            if db["host"] != "postgres":
                problems.append(f"{where}: {prefix}DATABASE_URL host is {db['host']!r}, expected 'postgres'")
            pw = db_url_password(db["userinfo"])
            if pw is None or not _COMPOSE_REQUIRED_VAR.match(pw):
                problems.append(f"{where}: {prefix}DATABASE_URL password must be a required ${{VAR:?...}}")
        if name != GATEWAY:
            client_id = str(env.get(prefix + "SERVICE_CLIENT_ID") or "")
            if client_id and not _COMPOSE_VAR.match(client_id):
                problems.append(f"{where}: {prefix}SERVICE_CLIENT_ID must come from a ${{...}} variable")
        if name == GATEWAY and env.get(prefix + "KEYS_DIR"):
            keys_dir = str(env[prefix + "KEYS_DIR"])
            mounts = [str(v).split(":") for v in svc.get("volumes") or [] if isinstance(v, str)]
            if not any(len(m) >= 2 and m[1] == keys_dir and m[0] in named_volumes for m in mounts):
                problems.append(f"{where}: {prefix}KEYS_DIR {keys_dir} is not on a named volume")
    return problems


def _check_common_env(where: str, table: Table, name: str, env: Mapping[str, Any]) -> list[str]:
    """Values the table dictates, the same for compose and k8s (``env`` holds literal values only)."""
    row, problems = table[name], []
    prefix = row["env_prefix"]
    if f"{prefix}DATABASE_URL" in env:
        raw = str(env[f"{prefix}DATABASE_URL"] or "")
        db = parse_db_url(raw)
        if db is None:
            problems.append(f"{where}: {prefix}DATABASE_URL {raw!r} is not a URL with a database name")
        else:
            if db["scheme"] != "postgresql+asyncpg":
                problems.append(
                    f"{where}: {prefix}DATABASE_URL scheme is {db['scheme']!r}, expected postgresql+asyncpg"
                )
            if db["db"] != row["database"]:
                problems.append(
                    f"{where}: {prefix}DATABASE_URL names database {db['db']!r}, expected {row['database']!r}"
                )
    if f"{prefix}ENVIRONMENT" in env and env[f"{prefix}ENVIRONMENT"] != "production":
        problems.append(f"{where}: {prefix}ENVIRONMENT is {env[f'{prefix}ENVIRONMENT']!r}, expected 'production'")
    if f"{prefix}SERVICE_NAME" in env and env[f"{prefix}SERVICE_NAME"] != name:
        problems.append(f"{where}: {prefix}SERVICE_NAME is {env[f'{prefix}SERVICE_NAME']!r}, expected {name!r}")
    domain = domain_services(table)
    if name == GATEWAY:
        if f"{prefix}UPSTREAMS" in env:
            problems += check_json_urls(
                f"{where}: {prefix}UPSTREAMS", env[f"{prefix}UPSTREAMS"], expected_urls(table, domain)
            )
    else:
        if f"{prefix}PEERS" in env:
            others = [n for n in domain if n != name]
            problems += check_json_urls(f"{where}: {prefix}PEERS", env[f"{prefix}PEERS"], expected_urls(table, others))
        if f"{prefix}GATEWAY_URL" in env:
            problems += check_gateway_url(f"{where}: {prefix}GATEWAY_URL", env[f"{prefix}GATEWAY_URL"], table)
    return problems


def check_postgres_init(table: Table, scripts: Iterable[str]) -> list[str]:
    created: set[str] = set()
    for text in scripts:
        text = re.sub(r"--[^\n]*", "", text)  # SQL comments
        created |= {m.lower() for m in re.findall(r'CREATE\s+DATABASE\s+"?(\w+)"?', text, re.I)}
    wanted = {row["database"] for row in table.values()}
    problems = [f"postgres-init: database {db!r} of services.toml is never created" for db in sorted(wanted - created)]
    problems += [f"postgres-init: creates {db!r}, which no services.toml entry uses" for db in sorted(created - wanted)]
    return problems


def _k8s_index(docs: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    return {(d.get("kind", ""), (d.get("metadata") or {}).get("name", "")): d for d in docs}


def _probe(where: str, container: Mapping[str, Any], probe: str, path: str, port: int) -> list[str]:
    get = ((container.get(probe) or {}).get("httpGet")) or {}
    ports_by_name = {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}
    actual_port = ports_by_name.get(get.get("port"), get.get("port"))
    if (get.get("path"), actual_port) != (path, port):
        return [f"{where}: {probe} is httpGet {get.get('path')!r} on {get.get('port')!r}, expected {path} on {port}"]
    return []


def _check_k8s_env(
    where: str,
    table: Table,
    contract: Contract,
    name: str,
    container: Mapping[str, Any],
    configmaps: Mapping[str, Mapping[str, Any]],
) -> list[str]:
    problems: list[str] = []
    prefix = table[name]["env_prefix"]
    entries = container.get("env") or []
    literal: dict[str, Any] = {}
    from_secret: set[str] = set()
    defined: list[str] = []
    for entry in entries:
        var = entry.get("name")
        if "value" in entry:
            literal[var] = entry["value"]
            # $(VAR) is only expanded when VAR is defined earlier in the same list.
            for ref in _K8S_REF.findall(str(entry["value"])):
                if ref not in defined:
                    problems.append(f"{where}: {var} refers to $({ref}), which is not defined before it")
        source = entry.get("valueFrom") or {}
        if "secretKeyRef" in source:
            from_secret.add(var)
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            if ref.get("key") not in (configmaps.get(ref.get("name")) or {}):
                problems.append(
                    f"{where}: {var} reads ConfigMap {ref.get('name')!r} key {ref.get('key')!r}, not in the manifests"
                )
        if re.search(r"SECRET|PASSWORD", var) and "secretKeyRef" not in source:
            problems.append(f"{where}: {var} must come from a Secret (secretKeyRef), not a literal")
        defined.append(var)
    for var in required_env(table, contract, name):
        if var not in defined:
            problems.append(f"{where}: env lacks {var}")
    problems += _check_common_env(where, table, name, literal)
    db = parse_db_url(str(literal.get(prefix + "DATABASE_URL") or ""))
    if db is not None:
        pw = db_url_password(db["userinfo"])
        refs = _K8S_REF.fullmatch(pw or "")
        if refs is None or refs.group(1) not in from_secret:
            problems.append(f"{where}: {prefix}DATABASE_URL password must be $(VAR) with VAR from a Secret")
    if name != GATEWAY and prefix + "SERVICE_CLIENT_ID" in literal:
        problems.append(f"{where}: {prefix}SERVICE_CLIENT_ID should come from the service's Secret")
    return problems


def check_k8s(table: Table, contract: Contract, docs: list[Mapping[str, Any]]) -> list[str]:
    problems: list[str] = []
    index = _k8s_index(docs)
    configmaps = {n: (d.get("data") or {}) for (k, n), d in index.items() if k == "ConfigMap"}
    for (kind, n), doc in index.items():
        if kind == "Secret" and (doc.get("data") or doc.get("stringData")):
            problems.append(f"k8s: Secret {n!r} carries literal data; create secrets outside the manifests")
    for kind in ("Deployment", "Service"):
        present = {n for (k, n) in index if k == kind}
        problems += [f"k8s: {kind} {n!r} of services.toml is missing" for n in table if n not in present]
        problems += [f"k8s: {kind} {n!r} is not in services.toml" for n in sorted(present - set(table))]

    for name, row in table.items():
        port = row["port"]
        dep = index.get(("Deployment", name))
        if dep is not None:
            where = f"k8s Deployment {name}"
            pod = (dep.get("spec") or {}).get("template") or {}
            pod_labels = (pod.get("metadata") or {}).get("labels") or {}
            spec = pod.get("spec") or {}
            containers = spec.get("containers") or []
            main = next((c for c in containers if c.get("name") == name), containers[0] if containers else {})
            if not str(main.get("image", "")).startswith(IMAGE_REPO.format(name=name) + ":"):
                problems.append(f"{where}: image {main.get('image')!r} is not {IMAGE_REPO.format(name=name)}:<tag>")
            if port not in [p.get("containerPort") for p in main.get("ports") or []]:
                problems.append(f"{where}: containerPort {port} is not declared")
            args = [str(a) for a in main.get("args") or []]
            if "--port" in args and args[args.index("--port") + 1 : args.index("--port") + 2] != [str(port)]:
                problems.append(f"{where}: serves on --port {args[args.index('--port') + 1 :][:1]}, expected {port}")
            problems += _probe(where, main, "readinessProbe", row["ready"], port)
            problems += _probe(where, main, "livenessProbe", row["health"], port)
            for c in [main, *(spec.get("initContainers") or [])]:
                label = where if c is main else f"{where} initContainer {c.get('name')}"
                problems += _check_k8s_env(label, table, contract, name, c, configmaps)
            if name == GATEWAY:
                keys_dir = next(
                    (e.get("value") for e in main.get("env") or [] if e.get("name") == row["env_prefix"] + "KEYS_DIR"),
                    None,
                )
                if keys_dir and keys_dir not in [m.get("mountPath") for m in main.get("volumeMounts") or []]:
                    problems.append(f"{where}: KEYS_DIR {keys_dir} is not a mounted volume")
            svc = index.get(("Service", name))
            if svc is not None:
                selector = (svc.get("spec") or {}).get("selector") or {}
                if not selector or any(pod_labels.get(k) != v for k, v in selector.items()):
                    problems.append(f"k8s Service {name}: selector {selector} does not match the pods {pod_labels}")
        svc = index.get(("Service", name))
        if svc is not None:
            ports = (svc.get("spec") or {}).get("ports") or []
            if not any(p.get("port") == port and p.get("targetPort") in (port, "http") for p in ports):
                problems.append(f"k8s Service {name}: does not expose port {port} -> {port}")

    ingresses = [d for (k, _), d in index.items() if k == "Ingress"]
    if not ingresses:
        problems.append("k8s: no Ingress")
    root_routed = False
    for ing in ingresses:
        for rule in (ing.get("spec") or {}).get("rules") or []:
            for path in ((rule.get("http") or {}).get("paths")) or []:
                backend = (path.get("backend") or {}).get("service") or {}
                if (backend.get("name"), (backend.get("port") or {}).get("number")) != (
                    GATEWAY,
                    table[GATEWAY]["port"],
                ):
                    problems.append(
                        f"k8s Ingress: path {path.get('path')!r} goes to {backend}, not {GATEWAY}:{table[GATEWAY]['port']}"
                    )
                if path.get("path") == "/" and path.get("pathType") == "Prefix":
                    root_routed = True
    if ingresses and not root_routed:
        problems.append("k8s Ingress: no Prefix '/' rule sending everything to the gateway")
    return problems


def check_workspace(table: Table, members: Mapping[str, str], root: Path = ROOT) -> list[str]:
    by_package = {pkg: directory for directory, pkg in members.items()}
    problems: list[str] = []
    for name, row in table.items():
        directory = by_package.get(row["package"])
        if directory is None:
            problems.append(f"services.toml {name}: package {row['package']!r} is not a workspace member")
        elif not (root / directory / "src" / row["module"]).is_dir():
            problems.append(f"services.toml {name}: module {row['module']!r} is not {directory}/src/{row['module']}")
    return problems


def check_dockerfile(members: Mapping[str, str], text: str) -> list[str]:
    problems: list[str] = []
    if "python:3.11-slim" not in text:
        problems.append("Dockerfile: base image is not python:3.11-slim")
    for directory in members:
        if not re.search(rf"^COPY\s+{re.escape(directory)}/pyproject\.toml\s", text, re.M):
            problems.append(
                f"Dockerfile: workspace member {directory}/pyproject.toml is not copied before the dependency sync"
            )
        if not re.search(rf"^COPY\s+(?:{re.escape(directory)}|{re.escape(directory.split('/')[0])})\s", text, re.M):
            problems.append(f"Dockerfile: the sources of workspace member {directory} are not copied")
    deps = re.search(r"uv sync --frozen --no-dev --no-install-workspace --package", text)
    full = re.search(r"uv sync --frozen --no-dev --package", text)
    if not deps or not full or deps.start() > full.start():
        problems.append(
            "Dockerfile: expected a dependencies-only `uv sync --no-install-workspace` before the full sync"
        )
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    if not users or users[-1].split(":")[0] in {"root", "0"}:
        problems.append("Dockerfile: the runtime stage does not switch to a non-root USER")
    for word in ("HEALTHCHECK", "ENTRYPOINT", "EXPOSE"):
        if not re.search(rf"^{word}\s", text, re.M):
            problems.append(f"Dockerfile: no {word}")
    return problems


# ---------------------------------------------------------------------------------------------------
# the tests
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def table() -> Table:
    return load_table()


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_env_contract()


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load_compose()


@pytest.fixture(scope="module")
def k8s_docs() -> list[dict[str, Any]]:
    return load_k8s()


def _fail_on(problems: list[str]) -> None:
    assert not problems, "deployment files drifted from deploy/services.toml:\n  " + "\n  ".join(problems)


def test_env_contract_is_read_from_the_table_header(contract: Contract) -> None:
    assert "DATABASE_URL" in contract["all"] and "ENVIRONMENT" in contract["all"]
    assert "PEERS" in contract["domain"] and "SERVICE_CLIENT_SECRET" in contract["domain"]
    assert "UPSTREAMS" in contract["gateway"] and "KEYS_DIR" in contract["gateway"]
    assert not {"JSON", "URL"} & {v for names in contract.values() for v in names}


def test_table_has_a_gateway_and_unique_ports_and_databases(table: Table) -> None:
    assert GATEWAY in table
    for key in ("port", "env_prefix", "database"):
        values = [row[key] for row in table.values()]
        assert len(values) == len(set(values)), f"services.toml: duplicate {key} in {values}"


def test_table_matches_workspace(table: Table) -> None:
    _fail_on(check_workspace(table, load_workspace_members()))


def test_dockerfile_matches_workspace() -> None:
    _fail_on(check_dockerfile(load_workspace_members(), DOCKERFILE.read_text(encoding="utf-8")))


def test_compose_matches_table(table: Table, contract: Contract, compose: dict[str, Any]) -> None:
    _fail_on(check_compose(table, contract, compose))


def test_postgres_init_creates_every_database(table: Table) -> None:
    _fail_on(check_postgres_init(table, load_pg_init()))


def test_k8s_matches_table(table: Table, contract: Contract, k8s_docs: list[dict[str, Any]]) -> None:
    _fail_on(check_k8s(table, contract, k8s_docs))


# --- the checker catches drift ---------------------------------------------------------------------
def test_service_added_to_the_table_only_is_caught(
    tmp_path: Path, compose: dict[str, Any], k8s_docs: list[dict[str, Any]]
) -> None:
    mutated = tmp_path / "services.toml"
    mutated.write_text(
        TABLE_PATH.read_text(encoding="utf-8")
        + '\n[services.payments]\npackage = "payments"\nmodule = "payments"\nport = 8105\n'
        'env_prefix = "PAYMENTS_"\nhealth = "/healthz"\nready = "/readyz"\ndatabase = "onewindow_payments"\n',
        encoding="utf-8",
    )
    table, contract = load_table(mutated), load_env_contract(mutated)
    assert "payments" in table

    compose_problems = check_compose(table, contract, compose)
    assert any("'payments' of services.toml is missing" in p for p in compose_problems), compose_problems
    # ...and every existing service's PEERS / the gateway's UPSTREAMS now lack it too.
    assert any("UPSTREAMS lacks 'payments'" in p for p in compose_problems), compose_problems
    assert any("compose intake: INTAKE_PEERS lacks 'payments'" in p for p in compose_problems), compose_problems

    k8s_problems = check_k8s(table, contract, k8s_docs)
    assert any("Deployment 'payments' of services.toml is missing" in p for p in k8s_problems), k8s_problems
    assert any("Service 'payments' of services.toml is missing" in p for p in k8s_problems), k8s_problems

    assert check_postgres_init(table, load_pg_init()) == [
        "postgres-init: database 'onewindow_payments' of services.toml is never created"
    ]
    assert any("'payments' is not a workspace member" in p for p in check_workspace(table, load_workspace_members()))


def test_edits_to_compose_and_k8s_are_caught(
    table: Table, contract: Contract, compose: dict[str, Any], k8s_docs: list[dict[str, Any]]
) -> None:
    bad = copy.deepcopy(compose)
    intake = bad["services"]["intake"]
    intake["ports"] = ["127.0.0.1:9101:9101"]
    intake["healthcheck"]["test"] = ["CMD", "python", "-c", "urlopen('http://127.0.0.1:8101/health')"]
    del intake["environment"]["INTAKE_PEERS"]
    intake["environment"]["INTAKE_DATABASE_URL"] = intake["environment"]["INTAKE_DATABASE_URL"].replace(
        "onewindow_intake", "onewindow_mediation"
    )
    intake["environment"]["INTAKE_SERVICE_CLIENT_SECRET"] = "hunter2"
    upstreams = json.loads(bad["services"][GATEWAY]["environment"]["GATEWAY_UPSTREAMS"])
    upstreams["court-bridge"] = "http://court-bridge:9999"
    bad["services"][GATEWAY]["environment"]["GATEWAY_UPSTREAMS"] = json.dumps(upstreams)
    del bad["services"]["mediation"]
    problems = "\n".join(check_compose(table, contract, bad))
    for expected in (
        "compose intake: does not publish container port 8101",
        "compose intake: healthcheck",
        "compose intake: environment lacks INTAKE_PEERS",
        "names database 'onewindow_mediation', expected 'onewindow_intake'",
        "INTAKE_SERVICE_CLIENT_SECRET must be a required",
        "UPSTREAMS['court-bridge'] is 'http://court-bridge:9999'",
        "service 'mediation' of services.toml is missing",
    ):
        assert expected in problems, f"{expected!r} not reported in:\n{problems}"

    docs = copy.deepcopy(k8s_docs)
    dep = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "court-bridge")
    main = dep["spec"]["template"]["spec"]["containers"][0]
    main["readinessProbe"]["httpGet"]["path"] = "/healthz"
    main["env"] = [e for e in main["env"] if e["name"] != "COURT_SERVICE_CLIENT_SECRET"]
    problems = "\n".join(check_k8s(table, contract, docs))
    assert "k8s Deployment court-bridge: readinessProbe is httpGet '/healthz'" in problems, problems
    assert "k8s Deployment court-bridge: env lacks COURT_SERVICE_CLIENT_SECRET" in problems, problems


# --- the Kubernetes schemas (offline: kubernetes-validate ships them) ------------------------------
K8S_VERSION = "1.30"  # the version deploy/README.md promises; `make lint` runs the same check


def check_k8s_schemas(docs: Iterable[dict[str, Any]], version: str = K8S_VERSION) -> list[str]:
    import kubernetes_validate

    problems: list[str] = []
    for doc in docs:
        where = f"k8s {doc.get('kind')} {doc.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            problems.append(f"{where}: {path or '(document)'}: {exc.message}")
    return problems


def test_k8s_manifests_validate_against_the_kubernetes_schemas(k8s_docs: list[dict[str, Any]]) -> None:
    _fail_on(check_k8s_schemas(k8s_docs))


def test_schema_errors_in_k8s_manifests_are_caught(k8s_docs: list[dict[str, Any]]) -> None:
    docs = copy.deepcopy(k8s_docs)
    intake = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "intake")
    intake["spec"]["replicas"] = "two"
    court = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "court-bridge")
    court["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"]["paht"] = "/healthz"
    problems = "\n".join(check_k8s_schemas(docs))
    assert "k8s Deployment intake: spec.replicas: 'two' is not of type" in problems, problems
    assert "k8s Deployment court-bridge: spec.template.spec.containers.0.livenessProbe.httpGet" in problems
    assert "'paht' was unexpected" in problems, problems


# --- the compose test override (make compose-test) -------------------------------------------------
COMPOSE_TEST_PATH = DEPLOY / "compose.test.yml"
TEST_PORTS = range(9450, 9500)


def check_compose_test(table: Table, override: dict[str, Any]) -> list[str]:
    """Every table service (and postgres) on the host network, serving on loopback on a port of the
    test range, with a healthcheck and database URL on that port; no bridge address anywhere."""
    problems: list[str] = []
    services = override.get("services", {})
    pg_port = str(services.get("postgres", {}).get("environment", {}).get("PGPORT"))
    if not pg_port.isdigit() or int(pg_port) not in TEST_PORTS:
        problems.append(f"compose.test postgres: PGPORT {pg_port!r} is not in 9450-9499")
    ports: dict[str, str] = {}
    for name in ["postgres", *table]:
        svc = services.get(name)
        if svc is None:
            problems.append(f"compose.test: service {name!r} is missing")
            continue
        if svc.get("network_mode") != "host":
            problems.append(f"compose.test {name}: network_mode is not host")
        if name == "postgres":
            continue
        env = svc.get("environment", {})
        port = str(env.get("PORT"))
        ports[name] = port
        if not port.isdigit() or int(port) not in TEST_PORTS:
            problems.append(f"compose.test {name}: PORT {port!r} is not in 9450-9499")
        if env.get("HOST") != "127.0.0.1":
            problems.append(f"compose.test {name}: HOST is not 127.0.0.1")
        url = str(env.get(table[name]["env_prefix"] + "DATABASE_URL"))
        if f"@127.0.0.1:{pg_port}/{table[name]['database']}" not in url:
            problems.append(f"compose.test {name}: DATABASE_URL does not name 127.0.0.1:{pg_port}")
        health = " ".join(svc.get("healthcheck", {}).get("test", []))
        if f"127.0.0.1:{port}{table[name]['health']}" not in health:
            problems.append(f"compose.test {name}: healthcheck does not ask 127.0.0.1:{port}")
    for name, svc in services.items():
        for value in (svc.get("environment") or {}).values():
            for host in re.findall(r"https?://([^:/\"]+)", str(value)):
                if host != "127.0.0.1":
                    problems.append(f"compose.test {name}: address {host!r} is not loopback")
            for other in ports:
                if other in table and f"{other}:{table[other]['port']}" in str(value):
                    problems.append(f"compose.test {name}: still points at {other}:{table[other]['port']}")
    return problems


def test_compose_test_override_keeps_everything_on_loopback(table: Table) -> None:
    override = yaml.safe_load(COMPOSE_TEST_PATH.read_text(encoding="utf-8"))
    _fail_on(check_compose_test(table, override))
    ports = [override["services"][n]["environment"]["PORT"] for n in table]
    assert len(set(ports)) == len(ports), ports


def test_edits_to_the_compose_test_override_are_caught(table: Table) -> None:
    bad = yaml.safe_load(COMPOSE_TEST_PATH.read_text(encoding="utf-8"))
    bad["services"]["intake"]["network_mode"] = "bridge"
    bad["services"]["mediation"]["environment"]["PORT"] = "8102"
    bad["services"]["court-bridge"]["environment"]["COURT_GATEWAY_URL"] = "http://172.17.0.2:9451"
    del bad["services"]["arbitration-bridge"]
    problems = "\n".join(check_compose_test(table, bad))
    for expected in (
        "compose.test intake: network_mode is not host",
        "compose.test mediation: PORT '8102' is not in 9450-9499",
        "compose.test court-bridge: address '172.17.0.2' is not loopback",
        "compose.test: service 'arbitration-bridge' is missing",
    ):
        assert expected in problems, f"{expected!r} not reported in:\n{problems}"


# --- the Prometheus rules (promtool where Debian's prometheus package is installed) ----------------
def test_alert_rules_pass_promtool_where_installed() -> None:
    import shutil
    import subprocess

    rules = DEPLOY / "prometheus" / "alerts.yml"
    parsed = yaml.safe_load(rules.read_text(encoding="utf-8"))
    assert [r["alert"] for g in parsed["groups"] for r in g["rules"]], "no alert rules"
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (apt-get install prometheus); libs/kit/tests/test_metrics.py checks names")
    result = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr

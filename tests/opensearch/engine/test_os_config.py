"""Choosing the engine and reading OpenSearch's settings: options, environment, config file, and
the rules for credentials (never on the command line, never in a URL, never in a file others can
read, never sent unencrypted, never shown)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive import Config, ConfigError, open_archive
from archive.opensearch.settings import OpenSearchSettings

SECRET = "s3cret-Pa55word"


def load(tmp_path: Path, environ: dict, **options) -> Config:
    engine = options.pop("engine", None)
    return Config.load(tmp_path / "corpus", tmp_path / "index", instance=tmp_path / "instance",
                       engine=engine, opensearch=options, environ=environ)


def write_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_whoosh_is_the_default_and_needs_nothing(tmp_path):
    config = load(tmp_path, {})
    assert config.engine == "whoosh" and config.opensearch is None
    assert type(open_archive(config)).__name__ == "WhooshArchive"
    assert Config(tmp_path, tmp_path).engine == "whoosh"  # the old two-argument form


def test_the_engine_comes_from_the_option_then_the_environment_then_the_file(tmp_path):
    write_file(tmp_path / "instance" / "opensearch.toml",
               'engine = "opensearch"\n[opensearch]\nurl = "http://127.0.0.1:9201"\n')
    assert load(tmp_path, {}).engine == "opensearch"
    assert load(tmp_path, {"ARCHIVE_ENGINE": "whoosh"}).engine == "whoosh"
    assert load(tmp_path, {"ARCHIVE_ENGINE": "whoosh"}, engine="opensearch").engine == "opensearch"
    with pytest.raises(ConfigError, match="'solr' is not one of whoosh, opensearch"):
        load(tmp_path, {"ARCHIVE_ENGINE": "solr"})


def test_each_setting_comes_from_the_first_place_that_gives_it(tmp_path):
    ca_file = write_file(tmp_path / "instance" / "ca.pem", "not checked here\n")
    write_file(tmp_path / "instance" / "opensearch.toml",
               '[opensearch]\nurl = ["https://file1:9200", "https://file2:9200"]\n'
               'index = "from-file"\nca = "ca.pem"\nuser = "filer"\npassword = "file-pass"\n'
               'shards = 3\nreplicas = 1\ntimeout = 12\n')
    from_file = load(tmp_path, {}, engine="opensearch").opensearch
    assert from_file.urls == ("https://file1:9200", "https://file2:9200")
    assert (from_file.index, from_file.user, from_file.password) == ("from-file", "filer",
                                                                     "file-pass")
    assert from_file.ca == ca_file and from_file.shards == 3 and from_file.replicas == 1
    assert from_file.timeout == 12 and from_file.verify
    env = {"ARCHIVE_ENGINE": "opensearch",
           "ARCHIVE_OPENSEARCH_URL": "https://env1:9200, https://env2:9200/",
           "ARCHIVE_OPENSEARCH_INDEX": "from-env", "ARCHIVE_OPENSEARCH_USER": "envy",
           "ARCHIVE_OPENSEARCH_PASSWORD": SECRET, "ARCHIVE_OPENSEARCH_REPLICAS": "0"}
    from_env = load(tmp_path, env).opensearch
    assert from_env.urls == ("https://env1:9200", "https://env2:9200")
    assert (from_env.index, from_env.user, from_env.password) == ("from-env", "envy", SECRET)
    assert from_env.replicas == 0 and from_env.shards == 3  # the rest still from the file
    from_options = load(tmp_path, env, url="https://opt:9200", index="from-option").opensearch
    assert from_options.urls == ("https://opt:9200",) and from_options.index == "from-option"
    assert from_options.user == "envy"


def test_defaults_one_shard_replicas_by_cluster_size_index_morgue(tmp_path):
    settings = load(tmp_path, {}, engine="opensearch", url="http://127.0.0.1:9200").opensearch
    assert settings == OpenSearchSettings(urls=("http://127.0.0.1:9200",))
    assert (settings.index, settings.shards, settings.replicas) == ("morgue", 1, None)


def test_the_command_line_has_no_password_option(tmp_path):
    from click.testing import CliRunner

    from manage import cli

    result = CliRunner().invoke(cli, ["--engine", "opensearch", "--opensearch-password", SECRET,
                                      "stats"])
    assert result.exit_code == 2 and "No such option '--opensearch-password'" in result.output
    help_text = CliRunner().invoke(cli, ["--help"]).output
    assert "--opensearch-url" in help_text and "password" in help_text  # says where it goes


def test_an_address_with_credentials_is_refused_without_echoing_them(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, {}, engine="opensearch", url=f"https://admin:{SECRET}@search:9200")
    assert "must not hold a user name or password" in str(caught.value)
    assert SECRET not in str(caught.value) + (caught.value.hint or "")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o622])
def test_a_config_file_others_may_read_or_change_is_refused(tmp_path, mode):
    path = write_file(tmp_path / "instance" / "opensearch.toml",
                      f'engine = "opensearch"\n[opensearch]\nurl = "https://s:9200"\n'
                      f'user = "u"\npassword = "{SECRET}"\n', mode)
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, {})
    assert f"{path} can be read or changed by other users (mode {mode:04o})" in str(caught.value)
    assert caught.value.hint == f"chmod 600 {path}"
    assert SECRET not in str(caught.value)


def test_a_config_file_of_another_user_is_refused(tmp_path):
    if os.getuid() != 0:
        pytest.skip("giving a file to another user needs root")
    path = write_file(tmp_path / "instance" / "opensearch.toml", 'engine = "opensearch"\n')
    os.chown(path, 65534, 65534)
    with pytest.raises(ConfigError, match="belongs to another user"):
        load(tmp_path, {})


def test_the_config_file_named_by_the_environment_must_exist_and_be_valid(tmp_path):
    with pytest.raises(ConfigError, match="ARCHIVE_OPENSEARCH_CONFIG names .*not a file"):
        load(tmp_path, {"ARCHIVE_OPENSEARCH_CONFIG": str(tmp_path / "missing.toml")})
    bad = write_file(tmp_path / "bad.toml", "[opensearch\nurl=")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load(tmp_path, {"ARCHIVE_OPENSEARCH_CONFIG": str(bad)})
    typo = write_file(tmp_path / "typo.toml", '[opensearch]\nurls = "https://s:9200"\n')
    with pytest.raises(ConfigError, match="unknown settings opensearch.urls"):
        load(tmp_path, {"ARCHIVE_OPENSEARCH_CONFIG": str(typo)})


def test_credentials_rules(tmp_path):
    base = {"ARCHIVE_ENGINE": "opensearch", "ARCHIVE_OPENSEARCH_URL": "https://search:9200"}
    with pytest.raises(ConfigError, match="needs a password"):
        load(tmp_path, base | {"ARCHIVE_OPENSEARCH_USER": "u"})
    with pytest.raises(ConfigError, match="refusing to send the OpenSearch password "
                                          "unencrypted to http://search:9200"):
        load(tmp_path, base | {"ARCHIVE_OPENSEARCH_URL": "http://search:9200",
                               "ARCHIVE_OPENSEARCH_USER": "u",
                               "ARCHIVE_OPENSEARCH_PASSWORD": SECRET})
    loopback = load(tmp_path, base | {"ARCHIVE_OPENSEARCH_URL": "http://127.0.0.1:9200",
                                      "ARCHIVE_OPENSEARCH_USER": "u",
                                      "ARCHIVE_OPENSEARCH_PASSWORD": SECRET})
    assert loopback.opensearch.user == "u"
    with pytest.raises(ConfigError, match="CA bundle .* is not a readable file"):
        load(tmp_path, base | {"ARCHIVE_OPENSEARCH_CA": str(tmp_path / "none.pem")})


def test_certificate_checks_can_be_turned_off_for_loopback_only(tmp_path):
    base = {"ARCHIVE_ENGINE": "opensearch", "ARCHIVE_OPENSEARCH_NO_VERIFY_LOOPBACK": "1"}
    with pytest.raises(ConfigError, match="only be turned off for loopback addresses, not for "
                                          "https://search.example:9200"):
        load(tmp_path, base | {"ARCHIVE_OPENSEARCH_URL":
                               "https://127.0.0.1:9200,https://search.example:9200"})
    settings = load(tmp_path, base | {"ARCHIVE_OPENSEARCH_URL":
                                      "https://localhost:9200,https://[::1]:9200"}).opensearch
    assert settings.verify is False
    on = load(tmp_path, {"ARCHIVE_ENGINE": "opensearch",
                         "ARCHIVE_OPENSEARCH_URL": "https://search.example:9200"}).opensearch
    assert on.verify is True


@pytest.mark.parametrize("bad, message", [
    ({"ARCHIVE_OPENSEARCH_URL": "ftp://search:21"}, "not an http:// or https:// address"),
    ({"ARCHIVE_OPENSEARCH_URL": " , "}, "no OpenSearch address given"),
    ({"ARCHIVE_OPENSEARCH_INDEX": "Morgue"}, "'Morgue' is not a usable index name"),
    ({"ARCHIVE_OPENSEARCH_INDEX": "_morgue"}, "not a usable index name"),
    ({"ARCHIVE_OPENSEARCH_SHARDS": "0"}, "0 is not between 1 and 1024"),
    ({"ARCHIVE_OPENSEARCH_REPLICAS": "two"}, "'two' is not a number"),
    ({"ARCHIVE_OPENSEARCH_NO_VERIFY_LOOPBACK": "perhaps"}, "'perhaps' is not true or false"),
    ({"ARCHIVE_OPENSEARCH_RETRIES": "-1"}, "-1 is not between 0 and 100"),
])
def test_bad_values_name_their_source(tmp_path, bad, message):
    env = {"ARCHIVE_ENGINE": "opensearch", "ARCHIVE_OPENSEARCH_URL": "https://s:9200"} | bad
    with pytest.raises(ConfigError, match=message) as caught:
        load(tmp_path, env)
    assert next(iter(bad)) in str(caught.value) or "address" in str(caught.value)


def test_opensearch_without_an_address_says_how_to_give_one(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, {"ARCHIVE_ENGINE": "opensearch"})
    assert "needs the cluster's address" in str(caught.value)
    assert "--opensearch-url" in caught.value.hint


def test_the_password_is_in_no_repr(tmp_path):
    config = load(tmp_path, {"ARCHIVE_ENGINE": "opensearch",
                             "ARCHIVE_OPENSEARCH_URL": "https://search:9200",
                             "ARCHIVE_OPENSEARCH_USER": "u",
                             "ARCHIVE_OPENSEARCH_PASSWORD": SECRET})
    archive = open_archive(config)
    for text in (repr(config), str(config), repr(config.opensearch), config.index_location,
                 repr(archive), config.opensearch.where):
        assert SECRET not in text
    assert "search:9200" in repr(archive)


def test_the_command_line_reports_a_bad_configuration_without_a_traceback(tmp_path):
    from click.testing import CliRunner

    from manage import cli

    write_file(tmp_path / "opensearch.toml", 'engine = "opensearch"\n', 0o644)
    result = CliRunner().invoke(cli, ["--instance", str(tmp_path), "stats"])
    assert result.exit_code == 1
    assert "Error: the OpenSearch config file" in result.output and "Traceback" not in result.output
    assert "Hint: chmod 600" in result.output


def test_the_web_app_reads_the_same_configuration(tmp_path, monkeypatch):
    from webapp import create_app

    monkeypatch.setenv("ARCHIVE_ENGINE", "opensearch")
    monkeypatch.setenv("ARCHIVE_OPENSEARCH_URL", "http://127.0.0.1:9")
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"),
                      "CORPUS_DIR": str(tmp_path / "corpus")})
    archive = app.extensions["morgue"]["archive"]
    assert type(archive).__name__ == "OpenSearchArchive"
    assert archive.settings.urls == ("http://127.0.0.1:9",)
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"),
                      "CORPUS_DIR": str(tmp_path / "corpus"), "ENGINE": "whoosh"})
    assert type(app.extensions["morgue"]["archive"]).__name__ == "WhooshArchive"


def test_a_request_goes_to_each_other_address_before_it_fails(tmp_path):
    three = "http://127.0.0.1:9201,http://127.0.0.1:9202,http://127.0.0.1:9203"
    env = {"ARCHIVE_ENGINE": "opensearch", "ARCHIVE_OPENSEARCH_URL": three}
    assert load(tmp_path, env).opensearch.max_retries == 2
    five = three + ",http://127.0.0.1:9204,http://127.0.0.1:9205"
    assert load(tmp_path, {**env, "ARCHIVE_OPENSEARCH_URL": five}).opensearch.max_retries == 4
    assert load(tmp_path, {**env, "ARCHIVE_OPENSEARCH_URL": "http://127.0.0.1:9201"}
                ).opensearch.max_retries == 2
    write_file(tmp_path / "instance" / "opensearch.toml", "[opensearch]\nretries = 7\n")
    assert load(tmp_path, env).opensearch.max_retries == 7
    assert load(tmp_path, {**env, "ARCHIVE_OPENSEARCH_RETRIES": "0"}).opensearch.max_retries == 0



async def test_a_spec_nested_5000_deep_at_start_up_is_an_inline_error(make_app, tmp_path: Path) -> None:
    text = '[network]\nsizes = [2, 2]\nlr = 0.5\n[data]\nx = ' + "[" * 5000 + "]" * 5000 + "\n"
    app = make_app(network=(str(tmp_path / "deep.toml"), text))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "nested too deeply" in str(app.error_line.render()) and app.is_running

"""Phase III decisions that must not flip when phase II redraws a surface a little
(``benchmarks/redraw_consistency.py`` measures the flips on the shared photos)."""

from __future__ import annotations

from tests.test_materials import flat, mapped, palette_name_at


def test_pale_sails_are_not_named_by_the_dark_mast_they_chain_to() -> None:
    # beige sails (L* 73) and, apart behind a grey strip, a pale sail edge (L* 77) shading
    # through L* 59 and L* 40 into a dark wooden mast (L* 27): the mast, the most saturated,
    # names the chain, which joins the sails as one paint: all drawn Brown. Whether the chain
    # forms changes with phase II's grid; the sails' colour must not.
    pixels, mask = flat((100, 300), (212, 171, 145))
    pixels[:, 180:190] = (128, 128, 128)
    pixels[:, 190:217] = (222, 181, 151)
    pixels[:, 217:224] = (173, 133, 107)
    pixels[:, 224:230] = (115, 87, 75)
    pixels[:, 230:253] = (89, 57, 49)
    pixels[:, 253:] = (128, 128, 128)
    columns = (100, 200, 240)  # sail, sail edge, mast
    chained = mapped(pixels, mask, "default", pale_bulk=False)
    assert [palette_name_at(chained, 50, x) for x in columns] == ["Brown"] * 3
    result = mapped(pixels, mask, "default")
    assert [palette_name_at(result, 50, x) for x in columns] == ["White", "White", "Brown"]


def _glared_car(
    body: tuple[int, int, int], glare: tuple[int, int, int], patches: int, pale_bulk: bool = True
) -> list:
    """Palette names at the body and two glare patches of a flat car (one body region) with
    ``patches`` pale patches of 80 x 40 px (each 10.7 % of the car)."""
    pixels, mask = flat((100, 300), body)
    for index in range(patches):
        pixels[10:90, 8 + 48 * index : 48 + 48 * index] = glare
    result = mapped(pixels, mask, "default", pale_bulk=pale_bulk)
    return [palette_name_at(result, y, x) for y, x in ((5, 150), (50, 28), (50, 76))]


def test_a_pale_bulk_needs_a_clear_majority_and_keeps_the_dark_part_named() -> None:
    # a navy car with pale blue glare patches: at 53 % of the car (near glare's half) the
    # glare is the car's and all is Blue; at 64 % it is a pale bulk of its own, and the navy
    # body keeps the Blue the whole material had (it is not renamed by its lone region)
    navy, pale_blue = (25, 30, 70), (120, 132, 170)
    assert _glared_car(navy, pale_blue, 5) == ["Blue"] * 3
    assert _glared_car(navy, pale_blue, 6) == ["Blue", "Gray", "Gray"]


def test_a_pale_bulk_is_a_real_step_over_a_dark_tone() -> None:
    # lighter by 13-15 L*, not by 20: a dark brown's or a dark green's lit side, not a pale
    # bulk (split off, it was drawn Brown or Gray on a Black body)
    for body, lit in (((70, 40, 25), (100, 75, 60)), ((20, 70, 35), (60, 100, 70))):
        assert len(set(_glared_car(body, lit, 6))) == 1
        assert _glared_car(body, lit, 6) == _glared_car(body, lit, 6, pale_bulk=False)
    # a mid-tone red (L* over 40) is never split: its pink is glare
    red, pink = (200, 30, 40), (235, 150, 155)
    assert len(set(_glared_car(red, pink, 6))) == 1

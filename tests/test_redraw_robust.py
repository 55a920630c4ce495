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

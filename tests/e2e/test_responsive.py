"""Staff pages fit a tablet (768x1024) and a phone (390x844) without sideways scrolling of the
document (issue 10): wide tables scroll inside their own box or turn into cards, the navbar
collapses behind its toggler, buttons wrap. Each page's main action stays within the screen's
width, and axe-core finds no WCAG 2.1 AA violation at phone width.

A failure names the page, the width and the elements that run past the right edge.
"""

import pytest
from playwright.sync_api import expect

from revere import roles
from tests.clinical import apply
from tests.e2e.axe import axe_violations, describe
from tests.e2e.test_accessibility import _clinic
from tests.factories import PASSWORD, UserFactory
from tests.programs import HEEL_DROP, TYLER, build_program
from tests.support import browser_log_in

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}
LAPTOP = {"width": 1366, "height": 768}

# The document's width, the viewport's, and for the message the elements past the right edge.
MEASURE = """() => {
    const width = window.innerWidth;
    const wide = [];
    for (const el of document.querySelectorAll("body *")) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 0.5) {
            const classes = typeof el.className === "string" && el.className.trim()
                ? "." + el.className.trim().split(/\\s+/).join(".") : "";
            wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes
                      + " (right " + Math.round(box.right) + ")");
        }
    }
    return {scroll: document.documentElement.scrollWidth, inner: width, wide: wide.slice(0, 6)};
}"""


# The screening's Present boxes (size, edge colour, where their label is) and each Side list's
# width against the width its longest choice needs in the list's own font.
READABILITY = """() => {
    const table = document.querySelector('[data-testid="screening-items"]');
    const out = {boxes: [], sides: []};
    for (const box of table.querySelectorAll('input[type="checkbox"]')) {
        const r = box.getBoundingClientRect();
        const label = document.querySelector('label[for="' + box.id + '"]');
        const l = label.getBoundingClientRect();
        const middle = (b) => (b.top + b.bottom) / 2;
        out.boxes.push({
            name: label.textContent.trim(),
            size: Math.min(r.width, r.height),
            edge: getComputedStyle(box).borderTopColor,
            gap: l.left - r.right,
            sameLine: Math.abs(middle(l) - middle(r)) < r.height,
        });
    }
    const canvas = document.createElement("canvas").getContext("2d");
    const sides = document.querySelectorAll('select[name$="_side"], select[name$="-side"]');
    for (const select of sides) {
        const style = getComputedStyle(select);
        canvas.font = style.font;
        const texts = [...select.options].map((o) => canvas.measureText(o.text).width);
        const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
        out.sides.push({name: select.name, needed: Math.max(...texts) + padding,
                        width: select.clientWidth});
    }
    return out;
}"""


def problems_on(page, path, action):
    """Open ``path`` at the current viewport; what is wrong with its fit (empty when none)."""
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: HTTP {response and response.status}"
    page.wait_for_load_state("load")
    assert page.url.endswith(path), f"{path}: landed on {page.url}"
    found = []
    measured = page.evaluate(MEASURE)
    if measured["scroll"] != measured["inner"]:
        found.append(
            f"document {measured['scroll']} px wide in a {measured['inner']} px window: "
            + ", ".join(measured["wide"])
        )
    if action is not None:
        control = page.get_by_role("button", name=action).or_(page.get_by_role("link", name=action))
        box = control.first.bounding_box() if control.count() else None
        if box is None:
            found.append(f"no visible {action!r}")
        elif box["x"] < 0 or box["x"] + box["width"] > measured["inner"]:
            found.append(f"{action!r} outside the window (x {box['x']:.0f}, w {box['width']:.0f})")
    return found


def assert_pages_fit(page, pages):
    """Each (path, main action) at phone and tablet width; then axe at phone width."""
    failures = []
    for viewport in (PHONE, TABLET):
        page.set_viewport_size(viewport)
        for path, action in pages:
            failures += [
                f"{viewport['width']} px {path}: {p}" for p in problems_on(page, path, action)
            ]
    page.set_viewport_size(PHONE)
    for path, _action in pages:
        page.goto(path)
        page.wait_for_load_state("load")
        if violations := axe_violations(page):
            failures.append(f"390 px {path}: axe-core\n{describe(violations)}")
    assert not failures, "\n".join(failures)


def _visit_pages(visit, actions):
    return [
        (f"/visits/{visit.uuid}/{step}/", actions.get(step))
        for step in ("assessment", "screening", "treatment", "handout", "review")
    ]


def _clinic_with_treatment():
    physio, practitioner, kind, patient, visit, day = _clinic()
    apply(visit, "calf", "left")
    build_program(physio, TYLER, HEEL_DROP, visit=visit, save=False)
    return physio, practitioner, patient, visit, day


def test_physiotherapist_pages_fit_phone_and_tablet(page):
    physio, practitioner, patient, visit, day = _clinic_with_treatment()
    browser_log_in(page, physio, PASSWORD)
    actions = {
        "assessment": "Save and continue",
        "screening": "Save and go to treatment",
        "treatment": "Record application",
        "handout": "Save program and review",
        "review": "Sign and lock the visit",
    }
    assert_pages_fit(
        page,
        [
            ("/visits/day/", "Start visit"),
            ("/patients/schedule/", "Book an appointment"),
            (f"/patients/schedule/week/{practitioner.pk}/?day={day.isoformat()}", "Day view"),
            (f"/patients/{patient.uuid}/", "Start visit"),
            *_visit_pages(visit, actions),
        ],
    )


def test_front_desk_pages_fit_phone_and_tablet(page):
    _physio, practitioner, _kind, patient, _visit, day = _clinic()
    desk = UserFactory(username="desk", first_name="Dana", role=roles.FRONT_DESK)
    browser_log_in(page, desk, PASSWORD)
    assert_pages_fit(
        page,
        [
            ("/patients/schedule/", "Book an appointment"),
            (f"/patients/schedule/week/{practitioner.pk}/?day={day.isoformat()}", "Day view"),
            (f"/patients/{patient.uuid}/", "Book appointment"),
        ],
    )


def test_manager_pages_fit_phone_and_tablet(page):
    _physio, practitioner, patient, visit, day = _clinic_with_treatment()
    boss = UserFactory(username="boss", first_name="Morgan", is_staff=True, is_superuser=True)
    browser_log_in(page, boss, PASSWORD)
    assert_pages_fit(
        page,
        [
            ("/patients/schedule/", "Book an appointment"),
            (f"/patients/schedule/week/{practitioner.pk}/?day={day.isoformat()}", "Day view"),
            (f"/patients/{patient.uuid}/", "Book appointment"),
            *_visit_pages(visit, {"review": "Reassign to another practitioner"}),
        ],
    )


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_navbar_collapses_behind_its_toggler(page, viewport):
    """Under 992 px the links hide behind "Toggle navigation"; the vendored Bootstrap script
    (no inline code) opens them, and the current section is marked."""
    boss = UserFactory(username="boss", first_name="Morgan", is_staff=True, is_superuser=True)
    browser_log_in(page, boss, PASSWORD)
    page.set_viewport_size(viewport)
    page.goto("/patients/")
    navigation = page.get_by_role("navigation", name="Main navigation")
    archived = navigation.get_by_role("link", name="Archived patients")
    toggler = navigation.get_by_role("button", name="Toggle navigation")
    expect(archived).to_be_hidden()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    navigation.get_by_role("button", name="Clinic").click()  # the manager's clinic pages
    expect(archived).to_be_visible()
    expect(navigation.get_by_role("link", name="Patients", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert page.evaluate(MEASURE)["scroll"] == viewport["width"]


def test_navbar_is_one_line_on_a_laptop(page):
    """At 1366 px every link of the manager (the longest navigation) shows on one line, the
    clinic's own pages in the "Clinic" menu, which opens within the window."""
    boss = UserFactory(username="boss", first_name="Morgan", is_staff=True, is_superuser=True)
    browser_log_in(page, boss, PASSWORD)
    page.set_viewport_size(LAPTOP)
    page.goto("/patients/schedule/")
    navigation = page.get_by_role("navigation", name="Main navigation")
    expect(navigation.get_by_role("button", name="Toggle navigation")).to_be_hidden()
    bar = navigation.bounding_box()
    menu = navigation.get_by_role("button", name="Clinic")
    for link in navigation.get_by_role("link").all():
        if link.is_visible():
            box = link.bounding_box()
            assert box["x"] + box["width"] <= LAPTOP["width"], link
    menu.click()
    for name in ("Reports", "Instrument cleaning", "Archived patients", "Time off", "Clinic admin"):
        item = navigation.get_by_role("link", name=name)
        expect(item).to_be_visible()
        box = item.bounding_box()
        assert box["x"] + box["width"] <= LAPTOP["width"], name
    menu.click()
    # One line of links: the bar is no taller than the log-out button's line with its padding.
    assert bar["height"] < 70, f"the navigation bar is {bar['height']:.0f} px tall"


def test_screening_boxes_and_side_lists_are_readable(page):
    """The "Present" boxes are at least 20 px with a dark edge, their label beside them; each
    Side list is wide enough for its longest choice ("Bilateral") at every width."""
    physio, _practitioner, _patient, visit, _day = _clinic_with_treatment()
    browser_log_in(page, physio, PASSWORD)
    for viewport in (LAPTOP, TABLET, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"/visits/{visit.uuid}/screening/")
        checks = page.evaluate(READABILITY)
        assert checks["boxes"], "no Present boxes"
        for box in checks["boxes"]:
            assert box["size"] >= 20, (viewport, box)
            assert box["edge"] == "rgb(108, 117, 125)", (viewport, box)  # #6c757d, 4.7:1
            assert box["sameLine"] and 0 <= box["gap"] <= 24, (viewport, box)
        assert checks["sides"], "no Side lists"
        for side in checks["sides"]:
            assert side["width"] >= side["needed"], (viewport, side)

// The body chart on the visit steps (templates/treatments/_body_chart_picker.html). Each region
// of the chart is a checkbox (or, on the treatment step, a button) kept in step with the form's
// own region and side fields: choosing a region fills a row (or the application's Region and
// Side), choosing it again clears it. The form posts exactly what the dropdowns would; the
// server checks it the same way. Without JavaScript the chart stays hidden and the rows work.
(function () {
  "use strict";
  var BOTH = "both";

  function opposite(side) { return side === "left" ? "right" : "left"; }
  // A recorded side covers a shape's side: "both" is the left and the right shape.
  function covers(value, side) {
    return value === side || (value === BOTH && (side === "left" || side === "right"));
  }
  function changed(el) { el.dispatchEvent(new Event("change", { bubbles: true })); }
  function setValue(el, value) { if (el && el.value !== value) { el.value = value; changed(el); } }

  // The rows of a Django formset ("<prefix>-<i>-<field>"), with a row added by copying the last.
  function Formset(form, prefix, fields) {
    this.form = form;
    this.prefix = prefix;
    this.fields = fields;
    this.total = form.querySelector('[name="' + prefix + '-TOTAL_FORMS"]');
    this.max = form.querySelector('[name="' + prefix + '-MAX_NUM_FORMS"]');
  }
  Formset.prototype.field = function (i, name) {
    return this.form.querySelector('[name="' + this.prefix + "-" + i + "-" + name + '"]');
  };
  Formset.prototype.indexes = function () {
    var out = [], count = this.total ? parseInt(this.total.value, 10) || 0 : 0;
    for (var i = 0; i < count; i++) { if (this.field(i, "region")) out.push(i); }
    return out;
  };
  Formset.prototype.find = function (test) {
    var rows = this.indexes();
    for (var k = 0; k < rows.length; k++) { if (test(rows[k])) return rows[k]; }
    return null;
  };
  Formset.prototype.isEmpty = function (i) {
    var self = this;
    return this.fields.every(function (name) { var el = self.field(i, name); return !el || !el.value; });
  };
  Formset.prototype.clear = function (i) {
    var self = this;
    this.fields.forEach(function (name) { setValue(self.field(i, name), ""); });
  };
  Formset.prototype.freeRow = function () {
    var self = this, empty = this.find(function (i) { return self.isEmpty(i); });
    return empty !== null ? empty : this.addRow();
  };
  Formset.prototype.addRow = function () {
    var rows = this.indexes();
    if (!rows.length || !this.total) return null;
    var n = parseInt(this.total.value, 10);
    if (this.max && n >= parseInt(this.max.value, 10)) return null;
    var last = this.field(rows[rows.length - 1], "region").closest("tr");
    var copy = last.cloneNode(true);
    var pattern = new RegExp(this.prefix + "-\\d+-");
    var replacement = this.prefix + "-" + n + "-";
    copy.querySelectorAll("[name], [id], [for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(pattern, replacement));
      });
    });
    copy.querySelectorAll("select, input, textarea").forEach(function (el) {
      el.value = "";
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    copy.querySelectorAll(".invalid-feedback, .text-danger").forEach(function (el) { el.remove(); });
    copy.querySelectorAll("label").forEach(function (el) {
      el.textContent = el.textContent.replace(/other site \d+/, "other site " + (n + 1));
    });
    last.parentNode.appendChild(copy);
    this.total.value = String(n + 1);
    return n;
  };
  // Take one side off a row that covers it: "both" becomes the other side, else the row empties.
  Formset.prototype.removeSide = function (i, side) {
    var sideField = this.field(i, "side");
    if (sideField.value === BOTH) setValue(sideField, opposite(side));
    else this.clear(i);
  };

  // The assessment's adhesion and scar sites: one formset row per site.
  function sitesMode(form, prefix) {
    var rows = new Formset(form, prefix, ["region", "side", "note"]);
    function at(code, side) {
      return rows.find(function (i) {
        return rows.field(i, "region").value === code && covers(rows.field(i, "side").value, side);
      });
    }
    return {
      isOn: function (code, side) { return at(code, side) !== null; },
      toggle: function (code, side) {
        var i = at(code, side);
        if (i !== null) { rows.removeSide(i, side); return "removed from the sites"; }
        i = rows.freeRow();
        if (i === null) return "not added: the rows are full (save the draft, then add more)";
        setValue(rows.field(i, "region"), code);
        setValue(rows.field(i, "side"), side);
        return "added to the sites (row " + (i + 1) + ")";
      },
    };
  }

  // The screening: the chosen local contraindication's first site is its own row (tick, region,
  // side); further sites go in the "other sites" rows, as the page asks.
  function screeningMode(form, prefix, chart) {
    var others = new Formset(form, prefix, ["contraindication", "region", "side", "note"]);
    var picker = chart.querySelector("[data-body-chart-item]");
    function main(item) {
      return {
        check: form.querySelector('[name="ci_' + item + '"]'),
        region: form.querySelector('[name="ci_' + item + '_region"]'),
        side: form.querySelector('[name="ci_' + item + '_side"]'),
      };
    }
    function mainAt(item, code, side) {
      var m = main(item);
      return m.check && m.check.checked && m.region.value === code && covers(m.side.value, side);
    }
    function otherAt(item, code, side) {
      return others.find(function (i) {
        return others.field(i, "contraindication").value === item &&
          others.field(i, "region").value === code && covers(others.field(i, "side").value, side);
      });
    }
    function present(item, code, side) { return mainAt(item, code, side) || otherAt(item, code, side) !== null; }
    function items() { return Array.prototype.map.call(picker.options, function (o) { return o.value; }); }
    return {
      isOn: function (code, side) { return present(picker.value, code, side); },
      elsewhere: function (code, side) {
        return items().some(function (item) { return item !== picker.value && present(item, code, side); });
      },
      toggle: function (code, side) {
        var item = picker.value, m = main(item), label = picker.options[picker.selectedIndex].text;
        if (!m.check) return "not changed: the contraindication is not on this page";
        if (mainAt(item, code, side)) {
          if (m.side.value === BOTH) { setValue(m.side, opposite(side)); return "removed from " + label; }
          // The first further site, if any, becomes the item's own row.
          var next = others.find(function (i) {
            return others.field(i, "contraindication").value === item && others.field(i, "region").value;
          });
          if (next !== null) {
            setValue(m.region, others.field(next, "region").value);
            setValue(m.side, others.field(next, "side").value);
            others.clear(next);
          } else {
            m.check.checked = false;
            changed(m.check);
            setValue(m.region, "");
            setValue(m.side, "");
          }
          return "removed from " + label;
        }
        var j = otherAt(item, code, side);
        if (j !== null) { others.removeSide(j, side); return "removed from " + label; }
        if (!m.check.checked || !m.region.value) {
          if (!m.check.checked) { m.check.checked = true; changed(m.check); }
          setValue(m.region, code);
          setValue(m.side, side);
          return "added to " + label;
        }
        j = others.freeRow();
        if (j === null) return "not added: the other-site rows are full (save the draft, then add more)";
        setValue(others.field(j, "contraindication"), item);
        setValue(others.field(j, "region"), code);
        setValue(others.field(j, "side"), side);
        return "added to " + label + " (other site " + (j + 1) + ")";
      },
    };
  }

  // The treatment step: the application's one region and side.
  function applicationMode(form) {
    var region = form.querySelector('[name="region"]'), side = form.querySelector('[name="side"]');
    function isOn(code, s) { return region.value === code && covers(side.value, s); }
    return {
      isOn: isOn,
      toggle: function (code, s) {
        if (isOn(code, s)) {
          if (side.value === BOTH) setValue(side, opposite(s));
          else { setValue(region, ""); setValue(side, ""); }
          return "cleared from the application";
        }
        setValue(region, code);
        setValue(side, s);
        return "chosen for the application";
      },
    };
  }

  document.querySelectorAll("[data-body-chart]").forEach(function (chart) {
    var form = chart.closest("form"), mode = chart.getAttribute("data-body-chart");
    var prefix = chart.getAttribute("data-prefix");
    if (!form) return;
    var model = mode === "sites" ? sitesMode(form, prefix)
      : mode === "screening" ? screeningMode(form, prefix, chart)
      : applicationMode(form);
    var status = chart.querySelector("[data-body-chart-status]");
    var regions = chart.querySelectorAll(".bc-region[data-region]");
    var state = mode === "application" ? "aria-pressed" : "aria-checked";

    function refresh() {
      regions.forEach(function (el) {
        var code = el.getAttribute("data-region"), side = el.getAttribute("data-side");
        var on = model.isOn(code, side);
        el.setAttribute(state, on ? "true" : "false");
        if (model.elsewhere) el.classList.toggle("bc-elsewhere", !on && model.elsewhere(code, side));
      });
    }
    function choose(el) {
      var label = el.getAttribute("data-label");
      if (el.getAttribute("aria-disabled") === "true") {
        status.textContent = (el.getAttribute("aria-label") || label) + ": not available (refused by the screening).";
        return;
      }
      var said = model.toggle(el.getAttribute("data-region"), el.getAttribute("data-side"));
      refresh();
      status.textContent = label + " " + said + ".";
    }
    regions.forEach(function (el) {
      el.addEventListener("click", function () { choose(el); });
      el.addEventListener("keydown", function (event) {
        if (event.key === " " || event.key === "Enter" || event.key === "Spacebar") {
          event.preventDefault();
          choose(el);
        }
      });
    });
    form.addEventListener("change", refresh);
    var picker = chart.querySelector("[data-body-chart-item]");
    if (picker) picker.addEventListener("change", function (event) { event.stopPropagation(); refresh(); });
    chart.hidden = false;
    refresh();
  });
})();

// dash-geometry.js - measures the dashboard's charts as Chromium draws
// them, for tests/5200-stats.bats.  The test appends it to a copy of the
// page (the page itself has no script) and reads what it writes into a
// pre element of id "geometry", one line per finding (the script takes
// itself out of the page, so that only the findings are dumped):
//
//   bad CARD what      a mark outside its chart's axes, a text outside
//                      its chart or its card, a chart without axes
//   tick CARD text     each tick label of an axis
//   label CARD text    each bar's label
//   caption CARD text  what every bar of a chart has in common
//   charts N           how many charts were measured
//
// A chart's axes are its elements of class "axis"; the box they span is
// where every element of class "mark" (bars, lines) must be.
(function (me) {
	var out = [], charts = 0, slack = 0.75;

	function box(r) {
		return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
	}
	function union(a, b) {
		return !a ? box(b) : {left: Math.min(a.left, b.left),
		    top: Math.min(a.top, b.top), right: Math.max(a.right, b.right),
		    bottom: Math.max(a.bottom, b.bottom)};
	}
	function inside(r, b) {
		return r.left >= b.left - slack && r.right <= b.right + slack &&
		    r.top >= b.top - slack && r.bottom <= b.bottom + slack;
	}
	function show(r) {
		return [r.left, r.top, r.right, r.bottom].map(function (v) {
			return v.toFixed(1);
		}).join(",");
	}
	document.querySelectorAll(".card").forEach(function (card) {
		var id = card.querySelector("h2").id, cbox = card.getBoundingClientRect();

		card.querySelectorAll("svg").forEach(function (svg) {
			var sbox = svg.getBoundingClientRect(), axes = null;

			charts++;
			svg.querySelectorAll(".axis").forEach(function (a) {
				axes = union(axes, a.getBoundingClientRect());
			});
			if (!axes) {
				out.push("bad " + id + " a chart without axes");
				return;
			}
			svg.querySelectorAll(".mark").forEach(function (m) {
				var r = m.getBoundingClientRect();

				if (!inside(r, axes))
					out.push("bad " + id + " " + m.tagName + " at " + show(r) +
					    " is outside its axes " + show(axes));
			});
			svg.querySelectorAll("text").forEach(function (t) {
				var r = t.getBoundingClientRect(), kind = t.getAttribute("class");

				if (!inside(r, sbox) || !inside(r, cbox))
					out.push("bad " + id + " text '" + t.textContent + "' at " +
					    show(r) + " is outside its chart " + show(sbox) +
					    " or its card " + show(cbox));
				if (kind === "tick" || kind === "label" || kind === "caption")
					out.push(kind + " " + id + " " + t.textContent);
			});
		});
	});
	out.push("charts " + charts);
	var pre = document.createElement("pre");
	pre.id = "geometry";
	pre.textContent = out.join("\n");
	document.body.appendChild(pre);
	me.remove();
})(document.currentScript);

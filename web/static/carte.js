/*
 * carte.js: the server-drawn maps made explorable (issue 13, section 5).
 *
 * Progressive enhancement: every map is an inline SVG drawn by the server
 * (src/map/svg.c), each commune a link to its page with a <title> giving
 * its name and value, so that the page works without this script. With
 * it, each map whose area is a nested <svg class="mg-map-view"> gets:
 * - zoom: buttons « + », « − » and « Vue initiale » above the map, the
 *   mouse wheel, the keys + and − (and 0 for the initial view);
 * - pan: dragging, and the arrow keys while the map or one of its
 *   communes has the keyboard focus;
 * - the commune's name and value in a box beside it on hover and on
 *   keyboard focus (hidden from screen readers, for which the link's own
 *   name already says it), the commune outlined;
 * - a click still opens the commune (a drag does not).
 * Zooming changes the viewBox of the map area only: the title and legend
 * stay. Strokes and names keep their size on screen. The scale bar, true
 * only for the initial view, is hidden while zoomed.
 *
 * Served from the binary with a versioned URL (src/web/assets.c); the
 * Content-Security-Policy allows scripts from the same origin only: no
 * inline script or handler, no eval, styles set through the DOM.
 */
(function () {
    "use strict";

    var SVG_NS = "http://www.w3.org/2000/svg";
    var STEP = 1.5;        /* zoom factor of a button or key press */
    var MAX_ZOOM = 16;     /* relative to the initial view */
    var MIN_ZOOM = 0.5;
    var PAN = 0.15;        /* share of the view an arrow key moves */

    function readBox(el) {
        var v = (el.getAttribute("viewBox") || "").trim().split(/[\s,]+/).map(Number);
        if (v.length !== 4 || v.some(function (x) { return !isFinite(x); })) {
            return null;
        }
        return { x: v[0], y: v[1], w: v[2], h: v[3] };
    }

    function fmt(x) {
        return String(Math.round(x * 1000) / 1000);
    }

    /* The name of a commune element: the <title> of its link or path. */
    function communeTitle(a) {
        for (var c = a.firstElementChild; c; c = c.nextElementSibling) {
            if (c.localName === "title") {
                return c.textContent;
            }
        }
        return "";
    }

    function Explorer(svg, view) {
        this.svg = svg;
        this.view = view;
        this.home = readBox(view);
        this.box = { x: this.home.x, y: this.home.y, w: this.home.w, h: this.home.h };
        /* Every stroke width and font size in the view, kept at its size on
         * screen while zooming. */
        this.scaled = [];
        var els = view.querySelectorAll("[stroke-width], [font-size], circle[r]");
        for (var i = 0; i < els.length; i++) {
            var e = els[i];
            if (e.closest(".mg-pin") || e.querySelector(".mg-pin")) {
                continue; /* scaled with its pins */
            }
            this.scaled.push({
                el: e,
                sw: e.hasAttribute("stroke-width") ? parseFloat(e.getAttribute("stroke-width")) : NaN,
                fs: e.hasAttribute("font-size") ? parseFloat(e.getAttribute("font-size")) : NaN,
                r: e.localName === "circle" ? parseFloat(e.getAttribute("r")) : NaN
            });
        }
        /* Pins (names and sites, drawn about a point): scaled back about
         * their point, so that they keep their size and distance on screen. */
        this.pins = [];
        var pins = view.querySelectorAll(".mg-pin");
        for (var j = 0; j < pins.length; j++) {
            var m = /translate\(\s*([-\d.eE]+)[\s,]+([-\d.eE]+)\s*\)/.exec(
                pins[j].getAttribute("transform") || "");
            if (m) {
                this.pins.push({ el: pins[j], x: m[1], y: m[2] });
            }
        }
        this.scale = svg.querySelector(".mg-scale");
        this.build();
        this.bind();
    }

    Explorer.prototype.build = function () {
        var svg = this.svg;
        var doc = svg.ownerDocument;
        var wrap = doc.createElement("div");
        wrap.className = "mg-map-explore";
        wrap.style.position = "relative";
        svg.parentNode.insertBefore(wrap, svg);

        var tools = doc.createElement("div");
        tools.className = "mg-map-tools";
        tools.setAttribute("role", "toolbar");
        var title = svg.querySelector("title");
        tools.setAttribute("aria-label", "Zoom et déplacement de la carte" +
                           (title && title.textContent ? " : " + title.textContent : ""));
        tools.style.display = "flex";
        tools.style.flexWrap = "wrap";
        tools.style.gap = "0.4em";
        tools.style.alignItems = "center";
        tools.style.marginBottom = "0.3em";
        var self = this;
        function button(text, label, fn) {
            var b = doc.createElement("button");
            b.type = "button";
            b.textContent = text;
            if (label) {
                b.setAttribute("aria-label", label);
                b.title = label;
            }
            b.addEventListener("click", fn);
            tools.appendChild(b);
            return b;
        }
        this.zoomIn = button("+", "Zoomer", function () { self.zoomBy(STEP); });
        this.zoomIn.className = "mg-zoom-in";
        this.zoomOut = button("\u2212", "Dézoomer", function () { self.zoomBy(1 / STEP); });
        this.zoomOut.className = "mg-zoom-out";
        this.reset = button("Vue initiale", null, function () { self.setBox(self.home); });
        this.reset.className = "mg-zoom-reset";
        var help = doc.createElement("span");
        help.className = "mg-map-help";
        help.textContent = "Molette ou + et − pour zoomer, glisser ou flèches du clavier pour " +
            "déplacer la carte ; chaque commune ouvre sa page.";
        help.style.fontSize = "0.9em";
        tools.appendChild(help);
        wrap.appendChild(tools);
        wrap.appendChild(svg);

        /* The box with the commune's name and value: the link's name says
         * the same to screen readers, so it is hidden from them. */
        var tip = doc.createElement("div");
        tip.className = "mg-map-tip";
        tip.setAttribute("aria-hidden", "true");
        tip.hidden = true;
        var s = tip.style;
        s.position = "absolute";
        s.pointerEvents = "none";
        s.background = "#ffffff";
        s.color = "#111111";
        s.border = "1px solid #333333";
        s.borderRadius = "3px";
        s.padding = "0.2em 0.5em";
        s.boxShadow = "0 1px 4px rgba(0, 0, 0, 0.3)";
        s.maxWidth = "22em";
        s.zIndex = "10";
        wrap.appendChild(tip);
        this.wrap = wrap;
        this.tip = tip;

        if (!svg.hasAttribute("tabindex")) {
            svg.setAttribute("tabindex", "0");
        }
        svg.style.touchAction = "none";
    };

    /* The point of the view under client coordinates (x, y). */
    Explorer.prototype.toView = function (x, y) {
        var m = this.view.getScreenCTM();
        if (!m) {
            return null;
        }
        var p = new DOMPoint(x, y).matrixTransform(m.inverse());
        return { x: p.x, y: p.y };
    };

    Explorer.prototype.setBox = function (b) {
        var z = this.home.w / b.w;
        if (z > MAX_ZOOM || z < MIN_ZOOM) {
            var k = Math.min(Math.max(z, MIN_ZOOM), MAX_ZOOM) / z;
            var cx = b.x + b.w / 2, cy = b.y + b.h / 2;
            b = { x: cx - b.w / k / 2, y: cy - b.h / k / 2, w: b.w / k, h: b.h / k };
            z = this.home.w / b.w;
        }
        this.hideTip();
        this.box = { x: b.x, y: b.y, w: b.w, h: b.h };
        this.view.setAttribute("viewBox", fmt(b.x) + " " + fmt(b.y) + " " + fmt(b.w) + " " + fmt(b.h));
        for (var i = 0; i < this.scaled.length; i++) {
            var s = this.scaled[i];
            if (isFinite(s.sw)) {
                s.el.setAttribute("stroke-width", fmt(s.sw / z));
            }
            if (isFinite(s.fs)) {
                s.el.setAttribute("font-size", fmt(s.fs / z));
            }
            if (isFinite(s.r)) {
                s.el.setAttribute("r", fmt(s.r / z));
            }
        }
        for (var j = 0; j < this.pins.length; j++) {
            var p = this.pins[j];
            p.el.setAttribute("transform", "translate(" + p.x + " " + p.y + ")" +
                              (Math.abs(z - 1) < 1e-9 ? "" : " scale(" + Math.round(1e6 / z) / 1e6 + ")"));
        }
        if (this.scale) {
            this.scale.setAttribute("visibility", Math.abs(z - 1) < 1e-6 ? "visible" : "hidden");
        }
        /* aria-disabled rather than disabled: a button that stops at its
         * limit keeps the keyboard focus. */
        this.zoomIn.setAttribute("aria-disabled", String(z >= MAX_ZOOM - 1e-9));
        this.zoomOut.setAttribute("aria-disabled", String(z <= MIN_ZOOM + 1e-9));
    };

    /* Zooms by k around the view's point (cx, cy), its centre by default. */
    Explorer.prototype.zoomBy = function (k, cx, cy) {
        var b = this.box;
        if (cx === undefined) {
            cx = b.x + b.w / 2;
            cy = b.y + b.h / 2;
        }
        this.setBox({ x: cx - (cx - b.x) / k, y: cy - (cy - b.y) / k, w: b.w / k, h: b.h / k });
    };

    Explorer.prototype.panBy = function (dx, dy) {
        var b = this.box;
        this.setBox({ x: b.x + dx, y: b.y + dy, w: b.w, h: b.h });
    };

    Explorer.prototype.showTip = function (a, clientX, clientY) {
        var text = communeTitle(a);
        if (!text) {
            return;
        }
        this.tip.textContent = text;
        this.tip.hidden = false;
        var wr = this.wrap.getBoundingClientRect();
        var x, y;
        if (clientX === undefined) {
            var r = a.getBoundingClientRect();
            x = r.left + r.width / 2;
            y = r.bottom;
        } else {
            x = clientX;
            y = clientY;
        }
        var left = x - wr.left + 14, top = y - wr.top + 14;
        var tw = this.tip.offsetWidth;
        if (left + tw > wr.width) {
            left = Math.max(0, x - wr.left - tw - 14);
        }
        this.tip.style.left = left + "px";
        this.tip.style.top = top + "px";
        this.outline(a);
    };

    Explorer.prototype.hideTip = function () {
        this.tip.hidden = true;
        this.outline(null);
    };

    /* Outlines the commune shown in the box: a copy of its outline drawn
     * over every other commune (its own path would be half covered by its
     * neighbours), which the pointer goes through. This is also the
     * keyboard focus's visible mark. */
    Explorer.prototype.outline = function (a) {
        var path = a ? (a.localName === "path" ? a : a.querySelector("path")) : null;
        if (!path) {
            if (this.mark) {
                this.mark.setAttribute("visibility", "hidden");
            }
            return;
        }
        if (!this.mark) {
            this.mark = this.svg.ownerDocument.createElementNS(SVG_NS, "path");
            this.mark.setAttribute("class", "mg-map-focus");
            this.mark.setAttribute("fill", "none");
            this.mark.setAttribute("stroke", "#000000");
            this.mark.setAttribute("stroke-linejoin", "round");
            this.mark.setAttribute("pointer-events", "none");
            this.mark.setAttribute("aria-hidden", "true");
            this.view.appendChild(this.mark);
        }
        this.mark.setAttribute("d", path.getAttribute("d"));
        this.mark.setAttribute("fill-rule", "evenodd");
        this.mark.setAttribute("stroke-width", fmt(3 * this.box.w / this.portWidth()));
        this.mark.setAttribute("visibility", "visible");
    };

    /* The width of the map area in the page SVG's pixels. */
    Explorer.prototype.portWidth = function () {
        var w = parseFloat(this.view.getAttribute("width"));
        return isFinite(w) && w > 0 ? w : this.home.w;
    };

    /* The commune element (link, or path without links) around target. */
    Explorer.prototype.communeOf = function (target) {
        for (var e = target; e && e !== this.view; e = e.parentNode) {
            if (e.localName === "a") {
                return e;
            }
            if (e.localName === "path" && e.parentNode &&
                e.parentNode.classList && e.parentNode.classList.contains("mg-communes")) {
                return e;
            }
        }
        return null;
    };

    /* Brings a focused commune into view when it is outside. */
    Explorer.prototype.reveal = function (a) {
        var p = a.localName === "path" ? a : a.querySelector("path");
        if (!p || !p.getBBox) {
            return;
        }
        var bb = p.getBBox(), b = this.box;
        if (bb.x >= b.x && bb.y >= b.y && bb.x + bb.width <= b.x + b.w &&
            bb.y + bb.height <= b.y + b.h) {
            return;
        }
        this.setBox({ x: bb.x + bb.width / 2 - b.w / 2, y: bb.y + bb.height / 2 - b.h / 2,
                      w: b.w, h: b.h });
    };

    Explorer.prototype.bind = function () {
        var self = this, svg = this.svg;
        var drag = null, dragged = false;

        svg.addEventListener("wheel", function (ev) {
            var p = self.toView(ev.clientX, ev.clientY);
            if (!p) {
                return;
            }
            ev.preventDefault();
            self.zoomBy(ev.deltaY < 0 ? STEP : 1 / STEP, p.x, p.y);
        }, { passive: false });

        svg.addEventListener("pointerdown", function (ev) {
            if (ev.button !== 0) {
                return;
            }
            var m = self.view.getScreenCTM();
            if (!m) {
                return;
            }
            drag = { x: ev.clientX, y: ev.clientY, box: self.box, k: m.a, id: ev.pointerId };
            dragged = false;
        });
        svg.addEventListener("pointermove", function (ev) {
            if (drag && drag.id === ev.pointerId) {
                var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
                if (!dragged && Math.abs(dx) + Math.abs(dy) > 4) {
                    dragged = true;
                    svg.setPointerCapture(ev.pointerId);
                    self.hideTip();
                }
                if (dragged) {
                    self.setBox({ x: drag.box.x - dx / drag.k, y: drag.box.y - dy / drag.k,
                                  w: drag.box.w, h: drag.box.h });
                }
                return;
            }
            var a = self.communeOf(ev.target);
            if (a) {
                self.showTip(a, ev.clientX, ev.clientY);
            } else {
                self.hideTip();
            }
        });
        function end(ev) {
            if (drag && drag.id === ev.pointerId) {
                drag = null;
            }
        }
        svg.addEventListener("pointerup", end);
        svg.addEventListener("pointercancel", end);
        svg.addEventListener("pointerleave", function () {
            if (!drag) {
                self.hideTip();
            }
        });
        /* A drag is not a click on the commune under it. */
        svg.addEventListener("click", function (ev) {
            if (dragged) {
                ev.preventDefault();
                ev.stopPropagation();
                dragged = false;
            }
        }, true);

        svg.addEventListener("focusin", function (ev) {
            var a = self.communeOf(ev.target);
            /* A commune focused by a click is not moved under the pointer. */
            if (a && !pointerFocus) {
                self.reveal(a);
                self.showTip(a);
            }
        });
        svg.addEventListener("focusout", function () {
            self.hideTip();
        });

        svg.addEventListener("keydown", function (ev) {
            if (ev.altKey || ev.ctrlKey || ev.metaKey) {
                return;
            }
            var b = self.box, done = true;
            switch (ev.key) {
            case "ArrowLeft": self.panBy(-PAN * b.w, 0); break;
            case "ArrowRight": self.panBy(PAN * b.w, 0); break;
            case "ArrowUp": self.panBy(0, -PAN * b.h); break;
            case "ArrowDown": self.panBy(0, PAN * b.h); break;
            case "+": case "=": self.zoomBy(STEP); break;
            case "-": case "\u2212": self.zoomBy(1 / STEP); break;
            case "0": self.setBox(self.home); break;
            default: done = false;
            }
            if (done) {
                ev.preventDefault();
                var a = self.communeOf(ev.target);
                if (a) {
                    self.showTip(a);
                }
            }
        });
    };

    /* Whether the last focus came from the pointer (a click) rather than
     * the keyboard. */
    var pointerFocus = false;
    document.addEventListener("pointerdown", function () { pointerFocus = true; }, true);
    document.addEventListener("keydown", function () { pointerFocus = false; }, true);

    function init() {
        var maps = document.querySelectorAll("svg.mg-map");
        for (var i = 0; i < maps.length; i++) {
            var view = maps[i].querySelector("svg.mg-map-view");
            if (view && readBox(view) && !maps[i].dataset.mgExplore) {
                maps[i].dataset.mgExplore = "1";
                new Explorer(maps[i], view);
            }
        }
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
}());

// The ipywidgets page renderer typesets widget labels with MathJax 2's `MathJax.Hub.Queue`; the
// book loads MathJax 3, which has no `Hub`. Give every MathJax object a small `Hub` that forwards
// to MathJax 3's typesetter, so pages with both math and widgets have no JavaScript errors.
(function () {
  function addHub(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      mj.Hub = { Queue: function (job) {
        var el = Array.isArray(job) ? job[2] : undefined;
        if (mj.typesetPromise) mj.typesetPromise(el ? [el] : undefined).catch(function () {});
      } };
    }
    return mj;
  }
  var current = addHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (v) { current = addHub(v); },
  });
})();

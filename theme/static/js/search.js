// The Search page (theme/templates/search.html): start Pagefind's UI on #search.
// The index is one Pagefind bundle per year, the newest month apart (broadsheet/search.py):
// pagefind/shards.json lists them, newest first; the UI opens the first and merges the
// others into it, so one search finds articles of every year. Result links and the
// bundles are found from the site's root, so a site published under a sub-path
// (example.org/news/) works as well as one at a domain's root. Without the list the page
// keeps its links to every article.
(function () {
  "use strict";
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined" || !window.fetch) {
    return;
  }
  var root = new URL(element.getAttribute("data-site-root") || "/", document.baseURI).pathname;
  var folder = root + "pagefind/";

  function bundlePath(name) {
    return folder + encodeURIComponent(name) + "/";
  }

  function start(bundles) {
    new PagefindUI({
      element: "#search",
      baseUrl: root,
      bundlePath: bundlePath(bundles[0]),
      mergeIndex: bundles.slice(1).map(function (name) {
        return { bundlePath: bundlePath(name), baseUrl: root };
      }),
      showImages: false,
      showSubResults: false,
      resetStyles: false,
    });
    // The box's only name would be its title attribute: the page's heading labels it.
    var heading = document.getElementById("search-heading");
    var input = element.querySelector("input");
    if (heading && input) {
      input.setAttribute("aria-labelledby", "search-heading");
    }
  }

  // "no-cache": asked again (a 304 when unchanged) so a new year shows after a publish.
  fetch(folder + "shards.json", { cache: "no-cache" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(function (bundles) {
      if (Array.isArray(bundles) && bundles.length) {
        start(bundles);
      }
    })
    .catch(function (error) {
      console.error("Search is unavailable: " + folder + "shards.json: " + error.message);
    });
})();

// The Search page (theme/templates/search.html): start Pagefind's UI on #search.
// Result links and the index are found from the site's root, so a site published under
// a sub-path (example.org/news/) works as well as one at a domain's root.
(function () {
  "use strict";
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") {
    return;
  }
  var root = new URL(element.getAttribute("data-site-root") || "/", document.baseURI).pathname;
  new PagefindUI({
    element: "#search",
    baseUrl: root,
    bundlePath: root + "pagefind/",
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
})();

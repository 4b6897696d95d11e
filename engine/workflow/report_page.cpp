// Markdown to a self-contained, printable HTML page, with CommonMark (libcmark).
#include <cmark.h>
#include <commsflow/error.h>
#include <commsflow/report.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "base/html_escape.h"

namespace commsflow {

namespace {

// Readable on screen and on A4: system fonts, NHS blue headings, no page breaks inside items.
constexpr const char* kStyle = R"css(
body { font-family: Arial, Helvetica, sans-serif; font-size: 16px; line-height: 1.5;
       color: #212b32; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1, h2, h3 { color: #005eb8; line-height: 1.25; }
h1 { font-size: 2rem; border-bottom: 4px solid #005eb8; padding-bottom: .25rem; }
blockquote { border-left: 4px solid #aeb7bd; margin-left: 0; padding-left: 1rem; color: #4c6272; }
code { font-family: monospace; }
li { margin-bottom: .35rem; }
footer { margin-top: 3rem; font-size: .85rem; color: #4c6272; }
@media print {
  body { font-size: 11pt; margin: 0; max-width: none; color: #000; }
  h1, h2, h3 { color: #000; page-break-after: avoid; break-after: avoid; }
  li, blockquote { page-break-inside: avoid; break-inside: avoid; }
  a { color: #000; text-decoration: none; }
  @page { size: A4; margin: 18mm 16mm; }
}
)css";

// Each image in `document` replaced by its description and its address, as text: the page
// stands alone (opened, it fetches nothing), and an image in text that came from the public
// (feedback, a response) can neither track who opens the report nor show what was not written.
void images_as_text(cmark_node* document) {
  std::vector<cmark_node*> images;
  cmark_iter* iter = cmark_iter_new(document);
  for (cmark_event_type ev; (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE;) {
    cmark_node* node = cmark_iter_get_node(iter);
    if (ev == CMARK_EVENT_ENTER && cmark_node_get_type(node) == CMARK_NODE_IMAGE) {
      images.push_back(node);
    }
  }
  cmark_iter_free(iter);
  for (cmark_node* image : images) {
    const bool described = cmark_node_first_child(image) != nullptr;  // it has words of its own
    while (cmark_node* part = cmark_node_first_child(image)) {
      cmark_node_unlink(part);
      cmark_node_insert_before(image, part);
    }
    const char* url = cmark_node_get_url(image);
    if (url && *url) {
      cmark_node* address = cmark_node_new(CMARK_NODE_TEXT);
      cmark_node_set_literal(address,
                             fmt::format("{}(image: {})", described ? " " : "", url).c_str());
      cmark_node_insert_before(image, address);
    }
    cmark_node_free(image);  // unlinks it
  }
}

}  // namespace

std::string markdown_page(std::string_view title, std::string_view markdown) {
  // CMARK_OPT_DEFAULT leaves raw HTML out (it is replaced by a comment), so report text that
  // came from the public cannot inject markup into the page; images become text (above).
  std::unique_ptr<cmark_node, decltype(&cmark_node_free)> document(
      cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT), &cmark_node_free);
  if (!document) fail(ErrorKind::Storage, "out of memory rendering the report");
  images_as_text(document.get());
  std::unique_ptr<char, decltype(&std::free)> body(
      cmark_render_html(document.get(), CMARK_OPT_DEFAULT), &std::free);
  if (!body) fail(ErrorKind::Storage, "out of memory rendering the report");
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n{}</main>\n</body>\n</"
      "html>\n",
      escape_html(title), kStyle, body.get());
}

}  // namespace commsflow

// The print pages' 打印 button (the Content Security Policy allows no inline onclick).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

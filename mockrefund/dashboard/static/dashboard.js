// "Copy as curl": the command is in the button's data-copy attribute (and shown below
// it, for a page served without HTTPS to another machine, where browsers keep the
// clipboard from scripts).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy as curl"; }, 1500);
  });
});

// Flash sales: count down to the opening, then reload to show the redeem button.
// The end is fixed when the page loads, so a throttled background tab stays right.
document.querySelectorAll("time.countdown[data-seconds]").forEach((el) => {
  const end = Date.now() + Number(el.dataset.seconds) * 1000;
  const show = (left) => {
    const d = Math.floor(left / 86400), h = Math.floor((left % 86400) / 3600);
    const m = Math.floor((left % 3600) / 60), s = left % 60;
    const days = d ? (el.dataset.days || "{n} d").replace("{n}", d) + " " : "";
    el.textContent = days + [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
  };
  show(Math.max(0, Math.ceil((end - Date.now()) / 1000)));
  const timer = setInterval(() => {
    const left = Math.ceil((end - Date.now()) / 1000);
    if (left <= 0) { clearInterval(timer); location.reload(); return; }
    show(left);
  }, 1000);
});

// Flash sales: count down to the opening, then reload to show the redeem button.
document.querySelectorAll("time.countdown[data-seconds]").forEach((el) => {
  let left = Number(el.dataset.seconds);
  const show = () => {
    const d = Math.floor(left / 86400), h = Math.floor((left % 86400) / 3600);
    const m = Math.floor((left % 3600) / 60), s = left % 60;
    el.textContent = (d ? d + "d " : "") + [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
  };
  show();
  const timer = setInterval(() => {
    left -= 1;
    if (left <= 0) { clearInterval(timer); location.reload(); return; }
    show();
  }, 1000);
});

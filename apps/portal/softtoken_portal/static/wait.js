// The waiting page: when the phone answers, post "finish" (the stream only reports).
(function () {
  var finish = document.getElementById("finish");
  if (!finish || !window.EventSource) { return; }
  var stream = new EventSource("/login/events");
  function done() { stream.close(); finish.submit(); }
  stream.addEventListener("answered", done);
  stream.addEventListener("timeout", done);
  // The person posts a form (the offline code): this page no longer waits.
  document.addEventListener("submit", function () { stream.close(); });
})();

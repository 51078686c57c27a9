// The inspector's verify page: the device position goes with the scan (when allowed), and where
// the browser can read QR codes (BarcodeDetector) the camera fills in the code. Typing or pasting
// the code always works.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) {
    return;
  }
  var latitude = form.querySelector("input[name=latitude]");
  var longitude = form.querySelector("input[name=longitude]");
  var status = document.getElementById("scan-position");
  var code = form.querySelector("textarea[name=code]");

  if (navigator.geolocation && latitude && longitude) {
    navigator.geolocation.getCurrentPosition(
      function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        status.textContent = status.dataset.msgLocated;
      },
      function () {
        status.textContent = status.dataset.msgUnlocated;
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }

  var camera = document.getElementById("scan-camera");
  var video = document.getElementById("scan-video");
  if (!camera || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  camera.hidden = false;
  var stream = null;

  function stop() {
    if (stream) {
      stream.getTracks().forEach(function (track) {
        track.stop();
      });
      stream = null;
    }
    video.hidden = true;
  }

  camera.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" } })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        video.hidden = false;
        return video.play();
      })
      .then(function () {
        function look() {
          if (!stream) {
            return;
          }
          detector
            .detect(video)
            .then(function (codes) {
              if (codes.length > 0) {
                code.value = codes[0].rawValue;
                stop();
                form.submit();
              } else {
                window.requestAnimationFrame(look);
              }
            })
            .catch(function () {
              window.requestAnimationFrame(look);
            });
        }
        look();
      })
      .catch(stop);
  });
})();

import PanoplyKit
